"""progress_rebuild (progress/rebuild.py) and its command: rollups recomputed from history, differences reported
and corrected, as the migration that recomputed mastery peaks did."""

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from quizapp.progress.models import SectionProgress
from quizapp.progress.rebuild import progress_rebuild
from quizapp.quizzes.models import Attempt
from tests.progress.helpers import DAY_ONE, answer_next, peak, practise


def test_rebuild_reports_and_corrects_a_tampered_rollup(starter_bank, learner):
    answer_next(learner, right=True)
    out = StringIO()
    call_command("rebuild_progress", "--check", stdout=out)
    assert "found 0 difference(s)" in out.getvalue()
    SectionProgress.objects.filter(learner=learner).update(answers=99)
    with pytest.raises(CommandError):
        call_command("rebuild_progress", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_progress", stdout=out)
    assert "corrected 1 difference(s)" in out.getvalue()
    assert "answers stored 99, history says 1" in out.getvalue()
    assert SectionProgress.objects.get(learner=learner).answers == 1


def test_rebuild_recomputes_the_peak_from_the_mastery_each_quiz_began_with(starter_bank, learner):
    practise(learner, "history", [True, True, True], at=DAY_ONE)
    practise(learner, "history", [False], at=DAY_ONE + timedelta(days=1))
    started = Attempt.objects.filter(learner=learner).order_by("created_at").last().mastery_before
    expected = peak(learner)
    assert expected > 0 and expected == pytest.approx(next(iter(started.values())))
    SectionProgress.objects.filter(learner=learner).update(mastery_peak=1.0)  # as the old rule could leave it
    report = progress_rebuild(fix=True)
    assert [(d.field, d.stored) for d in report.differences] == [("mastery_peak", 1.0)]
    assert peak(learner) == pytest.approx(expected)


def test_the_migration_recomputes_peaks_as_rebuild_does(starter_bank, learner, other_learner):
    for who in (learner, other_learner):
        practise(who, "history", [True, True, False], at=DAY_ONE)
        practise(who, "history", [True, False, False], at=DAY_ONE + timedelta(days=1))
        practise(who, "lora", [True, True], at=DAY_ONE + timedelta(days=1, hours=1))
    recomputed = {p.pk: p.mastery_peak for p in SectionProgress.objects.all()}
    SectionProgress.objects.update(mastery_peak=1.0)
    migration = importlib.import_module("quizapp.progress.migrations.0005_mastery_peak_per_study_day")
    migration.recompute_peaks(apps, None)
    assert {p.pk: p.mastery_peak for p in SectionProgress.objects.all()} == pytest.approx(recomputed)
    assert any(recomputed.values()) and progress_rebuild(fix=False).differences == []
