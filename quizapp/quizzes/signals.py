"""Signals other apps (to the right of quizzes: cards, progress) listen to, so quizzes never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that records an answer, exactly once per recorded Response.
# Keyword arguments: response (the new quizzes.models.Response); skill (the learner's LearnerSkill in the
# response's section, as the answer left it); mastery_before and state_before (that skill's mastery and state
# before the answer), so receivers that keep sums of mastery apply the change without reading it back.
answer_recorded = Signal()

# Sent inside the transaction of a recalibration (services.calibration_refit), after every learner's LearnerSkill
# was recomputed: receivers refresh what they copy of mastery. No arguments.
skills_recalibrated = Signal()
