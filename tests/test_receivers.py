"""The receivers connected across apps are exactly those quizapp/receivers.py lists, in its order: a receiver
connected anywhere else (or dropped) fails here, so the list stays the one place to read."""

from django.db.models.signals import post_save, pre_delete, pre_save

from quizapp.cards.models import Review
from quizapp.cards.signals import review_recorded, review_undone
from quizapp.classes.models import Membership
from quizapp.progress.models import SectionProgress
from quizapp.progress.rebuild import RebuildReport
from quizapp.progress.signals import mastery_recomputed, rollups_rebuilt
from quizapp.quizzes.models import LearnerSkill, Response
from quizapp.quizzes.signals import answer_recorded, skills_recalibrated


def connected(signal, sender):
    """The names of the project's receivers that `signal` sent by `sender` reaches, in the order they run."""
    sync, async_ = signal._live_receivers(sender)
    return [f"{r.__module__}.{r.__name__}" for r in [*sync, *async_] if r.__module__.startswith("quizapp.")]


def test_recording_an_answer_reaches_cards_then_progress_then_classes_then_lti():
    assert connected(answer_recorded, Response) == [
        "quizapp.cards.receivers.introduce_cards_after_miss",
        "quizapp.progress.rollups.on_answer_recorded",
        "quizapp.classes.rollups.on_answer_recorded",
        "quizapp.classes.assignments.on_answer_recorded",
        "quizapp.lti.grades.on_answer_recorded",
    ]


def test_a_flashcard_review_and_its_undo_reach_the_progress_rollups_only():
    assert connected(review_recorded, Review) == ["quizapp.progress.rollups.on_review_recorded"]
    assert connected(review_undone, Review) == ["quizapp.progress.rollups.on_review_undone"]


def test_recalibration_and_rebuilds_reach_the_rollups_built_on_them():
    assert connected(skills_recalibrated, LearnerSkill) == ["quizapp.progress.rollups.on_skills_recalibrated"]
    assert connected(mastery_recomputed, SectionProgress) == ["quizapp.classes.rollups.on_mastery_recomputed"]
    assert connected(rollups_rebuilt, RebuildReport) == ["quizapp.classes.rollups.on_rollups_rebuilt"]


def test_class_membership_changes_reach_the_class_rollups():
    assert connected(pre_save, Membership) == ["quizapp.classes.rollups.on_membership_changing"]
    assert connected(post_save, Membership) == ["quizapp.classes.rollups.on_membership_saved"]
    assert connected(pre_delete, Membership) == ["quizapp.classes.rollups.on_membership_deleted"]
