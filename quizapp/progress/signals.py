"""Signals of the progress app, for apps to its right (classes) that keep rollups built on its rollups."""

from django.dispatch import Signal

# Sent by `rebuild.progress_rebuild` (the rebuild_progress command) inside its transaction, after the
# progress rollups have been checked (and, with fix=True, corrected). Keyword arguments: report (a
# RebuildReport: add to `checked` and `differences`), fix (correct what differs). Receivers compare their
# rollups with a recomputation in the same way.
rollups_rebuilt = Signal()

# Sent after every learner's section mastery was recomputed at once (a recalibration of the quiz engine) and
# copied into SectionProgress, inside that transaction. No arguments.
mastery_recomputed = Signal()
