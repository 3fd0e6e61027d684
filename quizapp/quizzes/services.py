"""Write use cases of quizzes, one function each, each inside one transaction. They load state from the
models, ask the pure engine (`adaptive`), and save the result."""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Max, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from quizapp.catalog.answers import InvalidAnswer
from quizapp.catalog.models import Question, Section, Status

from . import adaptive, calibration
from .models import (SKILL_FIELDS, Attempt, AttemptItem, EngineCalibration, LearnerSkill, QuestionStats, Response,
                     take_belief)
from .signals import answer_recorded, skills_recalibrated

logger = logging.getLogger(__name__)

WEAK_SECTIONS = 3
# Which policy serves questions: "adaptive", or "random" (the same quiz rules, a random askable question) as
# the baseline `simulate_adaptive --world` measures against. Set only by that benchmark.
SELECTION = "adaptive"
# The engine recalibrates itself (calibration.fit, then every learner's answers replayed) after the first
# CALIBRATE_FIRST answers, then each time the answers have grown by CALIBRATE_GROWTH since the last fit, while
# the site has at most CALIBRATE_MAX answers; past that, schedule `manage.py calibrate_engine` instead.
CALIBRATE_FIRST = calibration.REFIT_FIRST
CALIBRATE_GROWTH = calibration.REFIT_GROWTH
CALIBRATE_MAX = 100_000
HISTORY_LIMIT = 400  # earlier answers that spacing looks at (the latest ones)
MAX_SECONDS = 3600


class QuizError(Exception):
    """A request the quiz refuses; `status` is the HTTP status the view answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def current_calibration() -> adaptive.Calibration:
    """The newest fit of the engine's parameters, or the defaults before the first (one query)."""
    row = EngineCalibration.objects.order_by("-pk").first()
    return row.as_calibration() if row else adaptive.DEFAULT_CALIBRATION


@dataclass(frozen=True)
class Bank:
    """The questions of some sections as the engine sees them."""

    candidates: list[adaptive.Candidate]  # the published ones
    items: list[calibration.BankItem]  # all of them, published or not
    offsets: dict[int, float]  # every question's difficulty offset


def section_bank(questions) -> Bank:
    """The engine's view of `questions` (a queryset of whole sections' questions, in one query): each
    question's calibrated offset or, before its first calibration, the offset of its authored difficulty
    within its section."""
    rows = list(questions.values_list("pk", "section_id", "difficulty", "status", "stats__difficulty"))
    items = [calibration.BankItem(pk, section, authored) for pk, section, authored, _status, _offset in rows]
    seeds = calibration.seed_offsets(items)
    offsets = {pk: seeds[pk] if offset is None else offset for pk, _s, _a, _status, offset in rows}
    candidates = [adaptive.Candidate(pk, section, offsets[pk])
                  for pk, section, _authored, status, _offset in rows if status == Status.PUBLISHED]
    return Bank(candidates, items, offsets)


def _leaf_ids(section_ids) -> list[int]:
    return sorted(Section.objects.leaves_under(section_ids).values_list("pk", flat=True))


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
def attempt_start(*, learner, kind: str, section_ids: list[int], length: int, start_key: str = "") -> Attempt:
    """Start a quiz: abandon the learner's open one, fix the question pool, serve the first question.
    `start_key`: the start form's one-time key; the same key again gets the open quiz it started."""
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

    if start_key:
        # The same form sent again (a double click on a one-click Practise button, a resent POST, a stale
        # tab): the quiz it started, not a second one that would leave the first unfinished.
        again = Attempt.objects.filter(learner=learner, status=Attempt.Status.OPEN, start_key=start_key).first()
        if again is not None:
            return again
    Attempt.objects.select_for_update().filter(learner=learner, status=Attempt.Status.OPEN).update(
        status=Attempt.Status.ABANDONED, finished_at=timezone.now())
    # None for a section not started yet: it has no mastery to compare with.
    skills = {s.section_id: s.mastery for s in LearnerSkill.objects.filter(learner=learner, section_id__in=section_ids_all)
              if s.answers}
    attempt = Attempt.objects.create(
        learner=learner, kind=kind, pool=sorted(pool), length=min(length, len(pool)), start_key=start_key,
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
                                asked_twice=frozenset(twice), capped=attempt.length >= len(attempt.pool),
                                length=attempt.length)


def attempt_bank(attempt: Attempt) -> Bank:
    """The engine's view of the attempt's sections' questions (a short subquery rather than the pool's
    hundreds of ids)."""
    return section_bank(Question.objects.filter(section__in=attempt.sections.values("pk")))


def _serve_next(attempt: Attempt, *, position: int, cal: adaptive.Calibration | None = None,
                bank: Bank | None = None) -> AttemptItem | None:
    """Choose the question for `position` with the engine and serve it (a frozen copy of what is asked).
    `cal` and `bank`: what the caller has read already in this transaction."""
    cal = cal or current_calibration()
    bank = bank or attempt_bank(attempt)
    pool = set(attempt.pool)
    candidates = [c for c in bank.candidates if c.question_id in pool]
    section_ids = {c.section_id for c in candidates}
    beliefs = {s.section_id: s.belief(cal) for s in LearnerSkill.objects.filter(learner_id=attempt.learner_id,
                                                                                section_id__in=section_ids)}
    history = _history(attempt, position)
    rng = random.Random(f"{attempt.seed}:{position}")
    if SELECTION == "random":  # the baseline that `simulate_adaptive` compares with: the same quiz rules
        allowed = sorted(adaptive.askable(candidates, history))
        chosen = rng.choice(allowed) if allowed else None
    else:
        practice = adaptive.WEAK_PRACTICE if attempt.kind == Attempt.Kind.WEAK else adaptive.PRACTICE
        chosen = adaptive.select_question(candidates, beliefs, history, rng, cal, practice)
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
    """What a quiz serves of a question (AttemptItem.shown): the prompt and section, and the type's part
    (question_types: choices shuffled except true/false's, ordering items never in the right order, matching
    right items shuffled...). The admin's preview serves the same."""
    shown = {
        "key": question.key, "type": question.type, "prompt": question.prompt,
        "section": {"id": question.section_id, "key": question.section.key, "title": question.section.title},
    }
    shown.update(question.question_type.frozen_copy(question, rng))
    return shown


def right_answer(question: Question) -> dict:
    """What counts as right, as display data frozen into the response (the type's)."""
    return question.question_type.right_answer(question)


@dataclass(frozen=True)
class Recorded:
    response: Response
    created: bool  # False when the answer had been recorded already (double submit, replay, second tab)
    next_item: AttemptItem | None


def answer_record(*, learner, attempt_id: int, position: int, question_id: int, given) -> Recorded:
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
    cal = current_calibration()  # read after the skill's lock: a recalibration that held it is seen whole
    bank = attempt_bank(attempt)
    if first_try:
        QuestionStats.objects.get_or_create(question_id=question_id,
                                            defaults={"difficulty": bank.offsets[question_id]})
        QuestionStats.objects.filter(pk=question_id).update(
            first_answers=F("first_answers") + 1, first_right=F("first_right") + (1 if outcome.correct else 0))
    before = (skill.mastery, skill.state)
    belief = adaptive.update(skill.belief(cal), bank.offsets[question_id], outcome.score, cal)
    take_belief(skill, belief, adaptive.mastery(belief))
    skill.save(update_fields=[*SKILL_FIELDS, "updated_at"])

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
        next_item = _serve_next(attempt, position=position + 1, cal=cal, bank=bank)
        if next_item is None:  # the pool ran dry (questions withdrawn): finish early
            attempt.status, attempt.finished_at = Attempt.Status.FINISHED, now
            attempt.save(update_fields=["status", "finished_at"])
    answer_recorded.send(sender=Response, response=response, skill=skill, mastery_before=before[0],
                         state_before=before[1])
    transaction.on_commit(calibration_refit_if_due)
    return Recorded(response=response, created=True, next_item=next_item)


def as_recorded(given):
    """An answer as a recorded one reads back (JSON): sets as sorted lists, matching keys as strings."""
    if isinstance(given, (set, frozenset)):
        return sorted(given)
    if isinstance(given, dict):
        return {str(k): v for k, v in given.items()}
    return given


@transaction.atomic
def attempt_abandon(*, learner, attempt_id: int) -> Attempt:
    """Leave a quiz for good (it stays in the history, unfinished)."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
    if attempt.is_open:
        attempt.status, attempt.finished_at = Attempt.Status.ABANDONED, timezone.now()
        attempt.save(update_fields=["status", "finished_at"])
    return attempt


def calibration_refit_if_due() -> bool:
    """Recalibrate when the schedule above says so (run after an answer commits). A refit that fails (a
    deadlock with answers being recorded, on PostgreSQL) is logged and left for the next answer: the
    answer that triggered it is recorded already."""
    newest = Response.objects.aggregate(n=Max("pk"))["n"] or 0  # at least the count, and cheap
    last = EngineCalibration.objects.order_by("-pk").values_list("answers", flat=True).first()
    if newest < CALIBRATE_FIRST or (last is not None and newest < last * CALIBRATE_GROWTH):
        return False
    answers = Response.objects.count()
    if answers > CALIBRATE_MAX or answers < CALIBRATE_FIRST or (last is not None and answers < last * CALIBRATE_GROWTH):
        return False
    try:
        calibration_refit()
    except DatabaseError:
        logger.warning("recalibration failed; it is tried again after the next answer", exc_info=True)
        return False
    return True


@dataclass(frozen=True)
class EngineModels:
    """The models a recalibration reads and writes: these, or a migration's historical ones."""

    Question: type = Question
    Response: type = Response
    LearnerSkill: type = LearnerSkill
    QuestionStats: type = QuestionStats
    EngineCalibration: type = EngineCalibration


def _all_answers(m: EngineModels = EngineModels()) -> list[calibration.Answer]:
    return [calibration.Answer((learner_id, section_id), question_id, score)
            for learner_id, section_id, question_id, score in m.Response.objects.order_by(
                "learner_id", "section_id", "answered_at", "pk").values_list(
                "learner_id", "section_id", "question_id", "score").iterator(5000)]


def replayed_skills() -> dict[tuple[int, int], calibration.Replayed]:
    """What every (learner, section)'s belief is, replayed from the recorded answers under the calibration
    in force: what LearnerSkill should hold (`rebuild_progress` compares)."""
    bank = section_bank(Question.objects.all())
    replayed = calibration.replay(bank.items, _all_answers(), current_calibration(), bank.offsets)
    return {r.pair: r for r in replayed}


def calibration_refit(models: EngineModels = EngineModels()) -> calibration.Fit:
    """Fit the engine's parameters to every recorded answer, store them, and recompute every learner's
    belief, estimate and call from their answers under the new fit (`calibration.replay`), in one
    transaction.

    Every LearnerSkill row is locked first, so an answer recorded meanwhile waits and then applies on top
    of the replayed belief, under the new calibration."""
    m = models
    with transaction.atomic():
        list(m.LearnerSkill.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        answers = _all_answers(m)
        items = section_bank(m.Question.objects.all()).items
        fit = calibration.fit(items, answers)
        cal = fit.calibration
        m.EngineCalibration.objects.create(prior=list(cal.prior), learn=cal.learn, answers=fit.answers)
        m.QuestionStats.objects.bulk_create(
            [m.QuestionStats(question_id=q, difficulty=offset) for q, offset in fit.offsets.items()],
            update_conflicts=True, unique_fields=["question"], update_fields=["difficulty"], batch_size=1000)
        replayed = {r.pair: r for r in calibration.replay(items, answers, cal, fit.offsets)}
        changed = []
        for skill in m.LearnerSkill.objects.all().iterator(5000):
            r = replayed.get((skill.learner_id, skill.section_id))
            belief = r.belief if r else adaptive.Belief.start(cal)
            take_belief(skill, belief, adaptive.mastery(belief))
            changed.append(skill)
        m.LearnerSkill.objects.bulk_update(changed, SKILL_FIELDS, batch_size=1000)
        if m.LearnerSkill is LearnerSkill:
            skills_recalibrated.send(sender=LearnerSkill)
    return fit
