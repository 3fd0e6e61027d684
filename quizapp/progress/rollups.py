"""Keeping the rollups in step: receivers of the quizzes' and cards' signals, run inside the transaction
that records the answer or review, so the rollups commit or roll back with it.

A rollup row is created on first use and changed only by additions: INSERT ... ON CONFLICT DO UPDATE
(quizapp.counters), or an UPDATE with F() expressions, so concurrent writers lose nothing."""

from dataclasses import dataclass

from django.db.models import F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from quizapp.accounts.study_days import study_day
from quizapp.cards.models import Phase, RatingChoices, Review
from quizapp.counters import counter_add
from quizapp.quizzes.models import LearnerSkill, MasteryState, Response

from .models import DailyActivity, ItemStats, SectionDay, SectionProgress
from .signals import mastery_recomputed


def _update_or_create(model, keys: dict, changes: dict) -> bool:
    """Apply `changes` (F() expressions) to the row identified by `keys`; create it first when missing.
    The row usually exists, so that is one UPDATE; the first time, an INSERT that leaves a concurrent
    creator's row alone (ON CONFLICT DO NOTHING, no savepoint) and the same UPDATE. True when the row was
    missing."""
    if model.objects.filter(**keys).update(**changes):
        return False
    model.objects.bulk_create([model(**keys)], ignore_conflicts=True)
    model.objects.filter(**keys).update(**changes)
    return True


def _bump(model, keys: dict, **changes) -> None:
    """Add `changes` (field: delta) to the row identified by `keys`, creating it first if needed: one
    INSERT ... ON CONFLICT DO UPDATE when every delta is an addition (a new row must pass its checks)."""
    if all(delta >= 0 for delta in changes.values()):
        counter_add(model, keys, changes)
    else:
        _update_or_create(model, keys, {name: F(name) + delta for name, delta in changes.items()})


def brought_into(response: Response) -> float | None:
    """The learner's mastery in the response's section when the response's quiz started (None if the quiz
    did not record it)."""
    return response.attempt.mastery_before.get(str(response.section_id))


def on_answer_recorded(sender, response: Response, skill: LearnerSkill, **kwargs):
    learner = response.learner
    day = study_day(learner, response.answered_at).date
    right = int(response.correct)
    counter_add(DailyActivity, dict(learner=learner, day=day),
                dict(answers=1, correct=right, study_ms=response.seconds * 1000))
    first_of_day = counter_add(SectionDay, dict(learner=learner, section_id=response.section_id, day=day),
                               dict(answers=1, correct=right), returning="answers") == 1
    counter_add(ItemStats, dict(question_id=response.question_id, version=response.question_version),
                dict(answers=1, first_answers=int(response.first_try),
                     first_right=int(response.first_try and response.correct),
                     first_score=response.score if response.first_try else 0.0))
    latest = dict(last_activity=response.answered_at)
    brought = brought_into(response) if first_of_day else None
    if brought is not None:  # the first answer in the section today: the level the learner starts the day at
        latest["mastery_peak"] = brought
    counter_add(SectionProgress, dict(learner=learner, section_id=response.section_id),
                dict(answers=1, correct=right), put=dict(mastery=skill.mastery, state=skill.state), latest=latest)


def on_skills_recalibrated(sender, **kwargs):
    """A recalibration recomputed every learner's mastery: copy it into the section rollups (one UPDATE),
    then tell the class totals."""
    skill = LearnerSkill.objects.filter(learner_id=OuterRef("learner_id"), section_id=OuterRef("section_id"))
    SectionProgress.objects.update(
        mastery=Coalesce(Subquery(skill.values("mastery")[:1]), Value(0.0)),
        state=Coalesce(Subquery(skill.values("state")[:1]), Value(MasteryState.NOT_STARTED.value)))
    mastery_recomputed.send(sender=SectionProgress)


@dataclass(frozen=True)
class ReviewFacts:
    """What a review contributes to the rollups."""

    learner_id: int
    section_id: int
    day: object
    recall: bool  # a review of a card in the review phase: counts towards true retention
    recalled: bool  # ...and it was not "Again"
    lapse: bool
    study_ms: int


def review_facts(review: Review, learner, section_id: int) -> ReviewFacts:
    recall = review.state_before == Phase.REVIEW
    return ReviewFacts(
        learner_id=learner.pk, section_id=section_id, day=study_day(learner, review.reviewed_at).date,
        recall=recall, recalled=recall and review.rating != RatingChoices.AGAIN,
        lapse=recall and review.rating == RatingChoices.AGAIN, study_ms=review.duration_ms,
    )


def _apply_review(review: Review, sign: int):
    card = review.card  # the services pass the card they locked, its flashcard loaded
    facts = review_facts(review, review.learner, card.flashcard.section_id)
    _bump(DailyActivity, dict(learner_id=facts.learner_id, day=facts.day), reviews=sign,
          recall_reviews=sign * facts.recall, recalled=sign * facts.recalled, study_ms=sign * facts.study_ms)
    keys = dict(learner_id=facts.learner_id, section_id=facts.section_id)
    if sign > 0:
        counter_add(SectionProgress, keys, dict(reviews=1, lapses=int(facts.lapse)),
                    latest=dict(last_activity=review.reviewed_at))
        return
    changes = dict(reviews=F("reviews") + sign, lapses=F("lapses") + sign * facts.lapse,
                   last_activity=last_activity_expression(facts.learner_id, facts.section_id,
                                                          excluding_review=review.pk))
    _update_or_create(SectionProgress, keys, changes)


def on_review_recorded(sender, review: Review, **kwargs):
    _apply_review(review, +1)


def on_review_undone(sender, review: Review, **kwargs):
    _apply_review(review, -1)


def last_activity_expression(learner_id: int, section_id: int, *, excluding_review: int | None = None):
    """`last_activity` as an SQL expression, for the UPDATE that sets it: no round trips of its own."""
    answered = Subquery(Response.objects.filter(learner_id=learner_id, section_id=section_id)
                        .order_by("-answered_at").values("answered_at")[:1])
    reviewed = Subquery(Review.objects.filter(learner_id=learner_id, card__flashcard__section_id=section_id)
                        .exclude(pk=excluding_review).order_by("-reviewed_at").values("reviewed_at")[:1])
    # GREATEST ignores NULLs on PostgreSQL, SQLite's MAX() does not: each side falls back on the other.
    return Greatest(Coalesce(answered, reviewed), Coalesce(reviewed, answered))


def last_activity(learner_id: int, section_id: int, *, excluding_review: int | None = None):
    """The latest answer or review of a learner in a section, from the history (two indexed lookups)."""
    answered = Response.objects.filter(learner_id=learner_id, section_id=section_id).aggregate(t=Max("answered_at"))["t"]
    reviewed = (Review.objects.filter(learner_id=learner_id, card__flashcard__section_id=section_id)
                .exclude(pk=excluding_review).aggregate(t=Max("reviewed_at"))["t"])
    times = [t for t in (answered, reviewed) if t is not None]
    return max(times) if times else None
