"""Driving real learner activity through the quizzes' and cards' services."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.utils import timezone

from quizapp.cards import services as cards
from quizapp.catalog.models import Flashcard, Question, Section
from quizapp.quizzes import services as quizzes
from quizapp.progress.models import SectionProgress
from quizapp.quizzes.models import Attempt, LearnerSkill


def given_for(question: Question, *, right: bool):
    """An answer in the shape catalog/answers.py documents, right or wrong."""
    if question.type in ("single", "truefalse"):
        return next(c.pk for c in question.choices.all() if c.is_correct == right)
    if question.type == "multiple":
        return {c.pk for c in question.choices.all() if c.is_correct == right}
    if question.type == "fill":
        return question.accepted_answers.all()[0].text if right else "不是这个"
    if question.type == "ordering":
        order = [i.pk for i in question.order_items.all()]
        return order if right else order[::-1]
    pairs = [p.pk for p in question.match_pairs.all()]
    return dict(zip(pairs, pairs if right else pairs[1:] + pairs[:1]))


def answer_next(learner, *, right: bool):
    """Answer the question currently served in the learner's open quiz (starting one if needed)."""
    attempt = Attempt.objects.open().filter(learner=learner).first() or quizzes.attempt_start(
        learner=learner, kind="mixed", section_ids=[], length=30)
    item = attempt.items.order_by("-position").first()
    question = Question.objects.prefetch_related("choices", "accepted_answers", "order_items", "match_pairs").get(
        pk=item.question_id)
    return quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=item.position,
                                 question_id=question.pk, given=given_for(question, right=right))


class Clock:
    """A simulated time for flashcard reviews, moved forward between actions."""

    def __init__(self):
        self.now = timezone.now()

    def advance(self, hours: float):
        self.now += timedelta(hours=hours)


def review_some_card(learner, rating: int, clock: Clock):
    """Review the first card that is due at the clock's time (new cards are always available)."""
    for flashcard in Flashcard.objects.published().order_by("pk"):
        card = cards.card_start(learner=learner, flashcard=flashcard)
        try:
            return cards.review_record(card=card, rating=rating, expected_reps=card.reps, duration_ms=4000, now=clock.now)
        except cards.ReviewRefused:
            continue
    return None


@contextmanager
def moment(when: datetime):
    """Everything recorded inside happens at `when` (answers, quizzes started), as if the clock said so."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def practise(learner, section_key: str, rights, *, at: datetime):
    """A section quiz started at `at`, its questions answered a minute apart, right or wrong as `rights` says.
    Returns the mastery in the section after each answer."""
    section = Section.objects.get(key=section_key)
    with moment(at):
        attempt = quizzes.attempt_start(learner=learner, kind="section", section_ids=[section.pk],
                                         length=max(Attempt.MIN_LENGTH, len(rights)))
    masteries = []
    for n, right in enumerate(rights, start=1):
        with moment(at + timedelta(minutes=n)):
            item = attempt.items.order_by("-position").first()
            question = Question.objects.prefetch_related(
                "choices", "accepted_answers", "order_items", "match_pairs").get(pk=item.question_id)
            recorded = quizzes.answer_record(learner=learner, attempt_id=attempt.pk, position=item.position,
                                             question_id=question.pk, given=given_for(question, right=right))
        masteries.append(LearnerSkill.objects.get(learner=learner, section=section).mastery)
        if not recorded.next_item:
            break
    return masteries


DAY_ONE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the learner's zone; days turn at 04:00


def peak(learner, key="history"):
    return SectionProgress.objects.get(learner=learner, section__key=key).mastery_peak
