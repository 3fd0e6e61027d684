"""Write use cases of quizzes, one function each, each inside one transaction. They load state from the
models, ask the pure engine (`adaptive`), and save the result."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from quizapp.catalog.answers import InvalidAnswer
from quizapp.catalog.models import Question, Section

from . import adaptive
from .models import Attempt, AttemptItem, LearnerSkill, QuestionStats, Response
from .signals import answer_recorded

WEAK_SECTIONS = 3
HISTORY_LIMIT = 400  # earlier answers that spacing looks at (the latest ones)
MAX_SECONDS = 3600


class QuizError(Exception):
    """A request the quiz refuses; `status` is the HTTP status the view answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _estimates(questions) -> list[adaptive.Candidate]:
    """Each question with its current difficulty estimate: calibrated from first answers, else the seed of
    its authored difficulty (one query)."""
    rows = questions.values_list("pk", "section_id", "difficulty", "stats__difficulty")
    return [adaptive.Candidate(pk, section,
                               estimate if estimate is not None else adaptive.seed_difficulty(authored))
            for pk, section, authored, estimate in rows]


def typical_difficulties(section_ids) -> dict[int, float]:
    """Mean difficulty estimate of each section's published questions (one query)."""
    published = Question.objects.published().filter(section_id__in=section_ids)
    return adaptive.typical_by_section(_estimates(published))


def _leaf_ids(section_ids) -> list[int]:
    sections = list(Section.objects.filter(pk__in=section_ids).prefetch_related("children"))
    leaves = []
    for s in sections:
        children = [c.pk for c in s.children.all()]
        leaves.extend(children or [s.pk])
    return sorted(set(leaves))


def _weak_pool(learner) -> tuple[list[int], list[int]]:
    """The learner's lowest-mastery sections that are not mastered, and the questions they missed last time."""
    weak = list(LearnerSkill.objects.filter(learner=learner, answers__gt=0)
                .exclude(state=adaptive.MASTERED).order_by("mastery", "section_id")
                .values_list("section_id", flat=True)[:WEAK_SECTIONS])
    latest: dict[int, bool] = {}
    for question_id, correct in (Response.objects.filter(learner=learner).order_by("-answered_at", "-pk")
                                 .values_list("question_id", "correct")[:HISTORY_LIMIT]):
        latest.setdefault(question_id, correct)
    missed = sorted(q for q, correct in latest.items() if not correct)
    return weak, missed


@transaction.atomic
def start_attempt(*, learner, kind: str, section_ids: list[int], length: int) -> Attempt:
    """Start a quiz: abandon the learner's open one, fix the question pool, serve the first question."""
    if kind not in Attempt.Kind.values:
        raise QuizError(_("Unknown kind of quiz."))
    if not Attempt.MIN_LENGTH <= length <= Attempt.MAX_LENGTH:
        raise QuizError(_("A quiz has between %(min)d and %(max)d questions.")
                        % {"min": Attempt.MIN_LENGTH, "max": Attempt.MAX_LENGTH})
    extra: list[int] = []
    if kind == Attempt.Kind.SECTION:
        if len(section_ids) != 1:
            raise QuizError(_("Choose one section for a section quiz."))
        leaves = _leaf_ids(section_ids)
    elif kind == Attempt.Kind.MIXED:
        leaves = _leaf_ids(section_ids) if section_ids else list(Section.objects.leaves().values_list("pk", flat=True))
    else:
        weak, extra = _weak_pool(learner)
        leaves = weak or ([] if extra else list(Section.objects.leaves().values_list("pk", flat=True)))
    pool = set(Question.objects.published().filter(section_id__in=leaves).values_list("pk", flat=True))
    pool |= set(Question.objects.published().filter(pk__in=extra).values_list("pk", flat=True))
    if not pool:
        raise QuizError(_("There are no questions to practise here yet."))
    section_ids_all = sorted(set(leaves) | set(
        Question.objects.filter(pk__in=extra).values_list("section_id", flat=True)))

    Attempt.objects.select_for_update().filter(learner=learner, status=Attempt.Status.OPEN).update(
        status=Attempt.Status.ABANDONED, finished_at=timezone.now())
    # None for a section not started yet: it has no mastery to compare with.
    skills = {s.section_id: s.mastery for s in LearnerSkill.objects.filter(learner=learner, section_id__in=section_ids_all)
              if s.answers}
    attempt = Attempt.objects.create(
        learner=learner, kind=kind, pool=sorted(pool), length=min(length, len(pool)),
        seed=secrets.randbits(48), mastery_before={str(s): skills.get(s) for s in section_ids_all},
    )
    attempt.sections.set(section_ids_all)
    if not _serve_next(attempt, position=1):
        raise QuizError(_("There are no questions to practise here yet."))
    return attempt


def _history(attempt: Attempt, position: int) -> adaptive.QuizHistory:
    in_quiz: dict[int, tuple[int, bool]] = {}
    twice: set[int] = set()
    last = None
    for pos, question_id, correct in (AttemptItem.objects.filter(attempt=attempt).order_by("position")
                                      .values_list("position", "question_id", "response__correct")):
        if question_id in in_quiz:
            twice.add(question_id)
        in_quiz[question_id] = (pos, bool(correct))
        last = question_id
    now = timezone.now()
    earlier: dict[int, adaptive.PastAnswer] = {}
    # The learner's latest answers before this quiz in the quiz's sections (a subquery: cheaper than the
    # pool's hundreds of ids, and answers elsewhere cannot crowd the pool's out of the latest 400).
    rows = (Response.objects.filter(learner_id=attempt.learner_id, section__in=attempt.sections.values("pk"))
            .exclude(attempt=attempt).order_by("-answered_at", "-pk")
            .values_list("question_id", "correct", "answered_at")[:HISTORY_LIMIT])
    for question_id, correct, at in rows:
        if last is None:
            last = question_id
        if question_id not in earlier:
            earlier[question_id] = adaptive.PastAnswer(correct=correct, days_ago=(now - at) / timedelta(days=1))
    return adaptive.QuizHistory(position=position, in_quiz=in_quiz, last_question=last, earlier=earlier,
                                asked_twice=frozenset(twice), capped=attempt.length >= len(attempt.pool))


def _serve_next(attempt: Attempt, *, position: int) -> AttemptItem | None:
    """Choose the question for `position` with the engine and serve it (a frozen copy of what is asked)."""
    # The pool's questions that are still published, found through the attempt's sections (a short
    # subquery rather than hundreds of ids), with their current difficulty estimates.
    published = _estimates(Question.objects.published().filter(section__in=attempt.sections.values("pk")))
    typical = adaptive.typical_by_section(published)  # every published question counts, as in _record
    pool = set(attempt.pool)
    candidates = [c for c in published if c.question_id in pool]
    section_ids = {c.section_id for c in candidates}
    skills = {s.section_id: s.belief() for s in LearnerSkill.objects.filter(learner_id=attempt.learner_id,
                                                                               section_id__in=section_ids)}
    history = _history(attempt, position)
    rng = random.Random(f"{attempt.seed}:{position}")
    chosen = adaptive.select_question(candidates, skills, typical, history, rng)
    if chosen is None:
        return None
    question = Question.objects.select_related("section").get(pk=chosen)
    prefetch_related_objects([question], question.answer_rows)
    shown = frozen_copy(question, rng)
    if chosen in history.in_quiz:
        shown["retry"] = True  # missed earlier in this quiz: the page says so
    return AttemptItem.objects.create(attempt=attempt, position=position, question=question,
                                      question_version=question.version, shown=shown)


def frozen_copy(question: Question, rng: random.Random) -> dict:
    """What a quiz serves of a question (AttemptItem.shown): choices shuffled (true/false keeps its order),
    ordering items shuffled and never in the right order, matching right items shuffled. The admin's
    preview serves the same."""
    shown = {
        "key": question.key, "type": question.type, "prompt": question.prompt,
        "section": {"id": question.section_id, "key": question.section.key, "title": question.section.title},
    }
    if question.type in ("single", "multiple", "truefalse"):
        choices = [{"id": c.pk, "text": c.text} for c in question.choices.all()]
        if question.type != "truefalse":  # "true, false" keeps its order; other choices are shuffled, as
            rng.shuffle(choices)          # Moodle does by default: the right one is not always in one place
        shown["choices"] = choices
    elif question.type == "ordering":
        items = [{"id": i.pk, "text": i.text} for i in question.order_items.all()]
        right = [i["id"] for i in items]
        for _attempt in range(10):  # never show the items already in the right order
            rng.shuffle(items)
            if [i["id"] for i in items] != right or len(items) < 2:
                break
        shown["items"] = items
    elif question.type == "matching":
        pairs = list(question.match_pairs.all())
        rights = [{"id": p.pk, "text": p.right} for p in pairs]
        rng.shuffle(rights)
        shown["lefts"] = [{"id": p.pk, "text": p.left} for p in pairs]
        shown["rights"] = rights
    return shown


def right_answer(question: Question) -> dict:
    """What counts as right, as display data frozen into the response."""
    if question.type in ("single", "multiple", "truefalse"):
        return {"choices": [c.pk for c in question.choices.all() if c.is_correct]}
    if question.type == "fill":
        return {"accepted": [a.text for a in question.accepted_answers.all()]}
    if question.type == "ordering":
        return {"order": [i.text for i in question.order_items.all()]}
    return {"pairs": [[p.left, p.right] for p in question.match_pairs.all()]}


@dataclass(frozen=True)
class Recorded:
    response: Response
    created: bool  # False when the answer had been recorded already (double submit, replay, second tab)
    next_item: AttemptItem | None


def record_answer(*, learner, attempt_id: int, position: int, question_id: int, given) -> Recorded:
    """Record the answer to the question served at `position` of the learner's attempt, exactly once.

    The attempt row is locked first, so concurrent submits for it run one after another; the second finds
    the response the first wrote and gets it back (created=False). The unique response per served item is
    the backstop. Updates the learner's skill in the section and, on the learner's first answer to the
    question, the question's difficulty; serves the next question or finishes the attempt. Raises QuizError
    (4xx) for anything that must not be recorded; raises Attempt.DoesNotExist for someone else's attempt."""
    try:
        with transaction.atomic():
            return _record(learner=learner, attempt_id=attempt_id, position=position,
                           question_id=question_id, given=given)
    except IntegrityError:
        # A concurrent submit won the race past the lock (possible only without row locks): return its row.
        response = (Response.objects.select_related("item")
                    .filter(learner=learner, attempt_id=attempt_id, item__position=position).first())
        if response is None:
            raise
        return Recorded(response=response, created=False, next_item=None)


def _record(*, learner, attempt_id, position, question_id, given) -> Recorded:
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
    item = AttemptItem.objects.filter(attempt=attempt, position=position).select_related("response").first()
    if item is None:
        raise QuizError(_("This question was not served in this quiz."))
    if hasattr(item, "response"):
        return Recorded(response=item.response, created=False, next_item=None)
    if item.question_id != question_id:
        raise QuizError(_("This answer is for a different question than the one served."))
    if not attempt.is_open:
        raise QuizError(_("This quiz is over; its answers can no longer change."), status=409)
    question = Question.objects.select_related("section").get(pk=question_id)
    prefetch_related_objects([question], question.answer_rows)
    try:
        outcome = question.check_answer(given)
    except InvalidAnswer as exc:
        raise QuizError(_("That answer does not fit this question; nothing was recorded.")) from exc

    now = timezone.now()
    first_try = not Response.objects.filter(learner=learner, question_id=question_id).exists()
    skill, _created = LearnerSkill.objects.select_for_update().get_or_create(learner=learner, section_id=question.section_id)
    stats, _created = QuestionStats.objects.get_or_create(
        question_id=question_id, defaults={"difficulty": adaptive.seed_difficulty(question.difficulty)})
    difficulty = stats.difficulty
    if first_try:
        new_difficulty = adaptive.update_difficulty(difficulty, stats.first_answers, skill.skill, outcome.score)
        QuestionStats.objects.filter(pk=question_id).update(
            difficulty=F("difficulty") + (new_difficulty - difficulty),
            first_answers=F("first_answers") + 1,
            first_right=F("first_right") + (1 if outcome.correct else 0))
        difficulty = new_difficulty
    before = (skill.mastery, skill.state)
    belief = adaptive.update_skill(skill.belief(), difficulty, outcome.score)
    typical = typical_difficulties([question.section_id]).get(question.section_id, 0.0)
    m = adaptive.mastery(belief, typical)
    skill.skill, skill.uncertainty, skill.answers = belief.mean, belief.sd, belief.answers
    skill.mastery, skill.state = m.value, m.state
    skill.save(update_fields=["skill", "uncertainty", "answers", "mastery", "state", "updated_at"])

    asked = {**item.shown, "explanation": question.explanation, "right": right_answer(question)}
    response = Response.objects.create(
        learner=learner, attempt=attempt, item=item, question=question, section_id=question.section_id,
        question_version=item.question_version, asked=asked, given=as_recorded(given), correct=outcome.correct,
        score=outcome.score, seconds=min(MAX_SECONDS, max(0, int((now - item.served_at).total_seconds()))),
        first_try=first_try,
    )
    locked_answered, locked_score = attempt.answered, attempt.score
    attempt.answered = F("answered") + 1
    attempt.score = F("score") + outcome.score
    fields = ["answered", "score"]
    next_item = None
    if position >= attempt.length:
        attempt.status, attempt.finished_at = Attempt.Status.FINISHED, now
        fields += ["status", "finished_at"]
    attempt.save(update_fields=fields)
    # The row is locked: the counters are what this transaction wrote (saves reading them back).
    attempt.answered, attempt.score = locked_answered + 1, locked_score + outcome.score
    if attempt.is_open:
        next_item = _serve_next(attempt, position=position + 1)
        if next_item is None:  # the pool ran dry (questions withdrawn): finish early
            attempt.status, attempt.finished_at = Attempt.Status.FINISHED, now
            attempt.save(update_fields=["status", "finished_at"])
    answer_recorded.send(sender=Response, response=response, skill=skill, mastery_before=before[0],
                         state_before=before[1])
    return Recorded(response=response, created=True, next_item=next_item)


def as_recorded(given):
    """An answer as a recorded one reads back (JSON): sets as sorted lists, matching keys as strings."""
    if isinstance(given, (set, frozenset)):
        return sorted(given)
    if isinstance(given, dict):
        return {str(k): v for k, v in given.items()}
    return given


@transaction.atomic
def abandon_attempt(*, learner, attempt_id: int) -> Attempt:
    """Leave a quiz for good (it stays in the history, unfinished)."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
    if attempt.is_open:
        attempt.status, attempt.finished_at = Attempt.Status.ABANDONED, timezone.now()
        attempt.save(update_fields=["status", "finished_at"])
    return attempt
