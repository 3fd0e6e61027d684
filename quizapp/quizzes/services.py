"""Write use cases of quizzes, one function each, each inside one transaction. They load state from the
models, ask the pure engine (`adaptive`), and save the result."""

from __future__ import annotations

import logging
import random
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max, Q, Subquery, TextField, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from quizapp.catalog.answers import InvalidAnswer
from quizapp.catalog.models import BankRevision, Question, Section, Status
from quizapp.counters import counter_add

from . import adaptive, calibration
from .models import (SKILL_FIELDS, Attempt, AttemptItem, EngineCalibration, LearnerSkill, QuestionStats, RefitClaim,
                     Response, take_belief)
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
FEW_SECTIONS = 8  # a quiz over at most this many sections reads only their skills (see _skills)
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


@dataclass
class BankState:
    """What the engine reads of the whole bank, cached per process while `fingerprint` holds: the
    questions' estimates (Bank), the calibration in force, and the questions it served or checked (with
    their answer rows). An edit (version, status, section, prompt), a recalibration or a section renamed
    changes the fingerprint, and the next request reads everything again."""

    fingerprint: str
    bank: "Bank"
    calibration: adaptive.Calibration
    calibration_answers: int | None  # the answers the calibration in force was fitted to (None: defaults)
    questions: dict
    calibration_id: int | None = None  # the EngineCalibration row in force (None: the defaults)


_bank_state: BankState | None = None
MAX_CACHED_QUESTIONS = 5000


def fingerprint_sql() -> tuple[str, list]:
    """The bank's revision token (set by the database on every write to sections, questions and flashcards:
    catalog.models.BankRevision) and the newest calibration's id, as one text "token|id", and its parameters:
    a scalar subquery, so the answer reads it with the served item (`served_item`), or on its own
    (`_fingerprint`). Two lookups by key, whatever the bank's size."""
    rev, cal = (connection.ops.quote_name(m._meta.db_table) for m in (BankRevision, EngineCalibration))
    return (f"(SELECT COALESCE((SELECT token FROM {rev} WHERE id = 1), '') || '|' || "
            f"COALESCE(CAST((SELECT MAX(id) FROM {cal}) AS TEXT), ''))"), []


def _fingerprint() -> str:
    sql, params = fingerprint_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


def bank_state(fingerprint: str | None = None) -> BankState:
    """The bank as the engine sees it now: one query when nothing changed since this process last read it,
    none when the caller read the fingerprint already (`served_item`)."""
    global _bank_state
    fingerprint = fingerprint or _fingerprint()
    state = _bank_state
    if state is None or state.fingerprint != fingerprint:
        calibration_id = int(fingerprint.split("|")[1] or 0) or None
        row = EngineCalibration.objects.filter(pk=calibration_id).first() if calibration_id else None
        state = BankState(fingerprint, section_bank(Question.objects.all()),
                          row.as_calibration() if row else adaptive.DEFAULT_CALIBRATION,
                          row.answers if row else None, {}, calibration_id)
        _bank_state = state
    return state


def _question(state: BankState, pk: int) -> Question:
    """A question with its section and answer rows, as of the state's fingerprint (read once per process)."""
    question = state.questions.get(pk)
    if question is None:
        question = Question.objects.select_related("section").get(pk=pk)
        prefetch_related_objects([question], question.answer_rows)
        if len(state.questions) < MAX_CACHED_QUESTIONS:
            state.questions[pk] = question
    return question


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
    state = bank_state()
    earlier = list(Response.objects.filter(learner=learner, section_id__in=section_ids_all)
                   .order_by("-answered_at", "-pk").values_list("question_id", "correct", "answered_at")[:HISTORY_LIMIT])
    attempt = Attempt(
        learner=learner, kind=kind, pool=sorted(pool), length=min(length, len(pool)), start_key=start_key,
        seed=secrets.randbits(48), served=[], earlier=[[q, c, at.timestamp()] for q, c, at in earlier],
    )
    candidates = _pool_candidates(attempt, state.bank)
    skills = _skills(attempt, candidates, also=section_ids_all)
    # None for a section not started yet: it has no mastery to compare with.
    attempt.mastery_before = {str(s): skills[s].mastery if s in skills and skills[s].answers else None
                              for s in section_ids_all}
    beliefs = {sid: s.belief(state.calibration) for sid, s in skills.items()}
    first = _choose(attempt, state, candidates, beliefs, _history(attempt, 1, served=[], earlier_rows=earlier), 1)
    if first is None:
        raise QuizError(_("There are no questions to practise here yet."))
    attempt.served = [[first.question.pk, None]]
    attempt.save(force_insert=True)
    attempt.sections.add(*section_ids_all)  # a new quiz has none: no read of the existing ones, as set() does
    _serve(attempt, first)
    return attempt


def _history(attempt: Attempt, position: int, served=None, earlier_rows=None) -> adaptive.QuizHistory:
    """What the engine knows of the learner's answers for `position`. `served`: the quiz's (position,
    question, correct) rows in order, when the caller has them; `earlier_rows`: likewise the latest answers
    before the quiz."""
    in_quiz: dict[int, tuple[int, bool]] = {}
    twice: set[int] = set()
    last = None
    if served is None:
        served = (AttemptItem.objects.filter(attempt=attempt).order_by("position")
                  .values_list("position", "question_id", "response__correct"))
    for pos, question_id, correct in served:
        if question_id in in_quiz:
            twice.add(question_id)
        in_quiz[question_id] = (pos, bool(correct))
        last = question_id
    now = timezone.now()
    earlier: dict[int, adaptive.PastAnswer] = {}
    # The learner's latest answers before this quiz in the quiz's sections (a subquery: cheaper than the
    # pool's hundreds of ids, and answers elsewhere cannot crowd the pool's out of the latest 400).
    rows = _earlier(attempt) if earlier_rows is None else earlier_rows
    for question_id, correct, at in rows:
        if last is None:
            last = question_id
        if question_id not in earlier:
            earlier[question_id] = adaptive.PastAnswer(correct=correct, days_ago=(now - at) / timedelta(days=1))
    return adaptive.QuizHistory(position=position, in_quiz=in_quiz, last_question=last, earlier=earlier,
                                asked_twice=frozenset(twice), capped=attempt.length >= len(attempt.pool),
                                length=attempt.length)


def _earlier(attempt: Attempt) -> list:
    """(question id, right, answered at) of the learner's latest answers before the quiz in its sections,
    newest first: as the quiz kept them when it started, or read (a quiz started before they were kept)."""
    if attempt.earlier is not None:
        return [(q, c, datetime.fromtimestamp(at, UTC)) for q, c, at in attempt.earlier]
    return list(Response.objects.filter(learner_id=attempt.learner_id, section__in=attempt.sections.values("pk"))
                .exclude(attempt=attempt).order_by("-answered_at", "-pk")
                .values_list("question_id", "correct", "answered_at")[:HISTORY_LIMIT])


def _served(attempt: Attempt, position: int) -> list:
    """(position, question id, right or None) of every question served so far, in order: as the attempt row
    keeps them (no query) when it does and they reach `position`, else read from the items."""
    kept = attempt.served
    if kept is not None and len(kept) >= position:
        return [(n, q, c) for n, (q, c) in enumerate(kept, 1)]
    return list(AttemptItem.objects.filter(attempt=attempt).order_by("position")
                .values_list("position", "question_id", "response__correct"))


def attempt_bank(attempt: Attempt) -> Bank:
    """The engine's view of the attempt's sections' questions (a short subquery rather than the pool's
    hundreds of ids)."""
    return section_bank(Question.objects.filter(section__in=attempt.sections.values("pk")))


def _pool_candidates(attempt: Attempt, bank: Bank) -> list[adaptive.Candidate]:
    pool = set(attempt.pool)
    return [c for c in bank.candidates if c.question_id in pool]


def _skills(attempt: Attempt, candidates, also=()) -> dict[int, LearnerSkill]:
    """The learner's skills in the candidates' sections (and the sections `also`), one query."""
    section_ids = {c.section_id for c in candidates} | set(also)
    skills = LearnerSkill.objects.filter(learner_id=attempt.learner_id)
    if len(section_ids) <= FEW_SECTIONS:
        skills = skills.filter(section_id__in=section_ids)
    # Over many sections (a mixed quiz), all of the learner's rows (one per section at most) and a filter
    # here: building the query's IN list of 60 ids cost more than the rows (bench: 1.1 -> 0.4 ms).
    return {s.section_id: s for s in skills if s.section_id in section_ids}


@dataclass(frozen=True)
class Next:
    """The question chosen for a position, and its frozen copy (not yet saved)."""

    position: int
    question: Question
    shown: dict


def _choose(attempt: Attempt, state: BankState, candidates, beliefs, history, position: int) -> Next | None:
    """The engine's choice for `position` from what the caller read (no queries but a question's first
    read in this process)."""
    cal = state.calibration
    rng = random.Random(f"{attempt.seed}:{position}")
    if SELECTION == "random":  # the baseline that `simulate_adaptive` compares with: the same quiz rules
        allowed = sorted(adaptive.askable(candidates, history))
        chosen = rng.choice(allowed) if allowed else None
    else:
        practice = adaptive.WEAK_PRACTICE if attempt.kind == Attempt.Kind.WEAK else adaptive.PRACTICE
        chosen = adaptive.select_question(candidates, beliefs, history, rng, cal, practice)
    if chosen is None:
        return None
    question = _question(state, chosen)
    shown = frozen_copy(question, rng)
    if chosen in history.in_quiz:
        shown["retry"] = True  # missed earlier in this quiz: the page says so
    return Next(position, question, shown)


def _serve(attempt: Attempt, chosen: Next) -> AttemptItem:
    return AttemptItem.objects.create(attempt=attempt, position=chosen.position, question=chosen.question,
                                      question_version=chosen.question.version, shown=chosen.shown)


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


def served_item(*, learner, attempt_id: int, position: int) -> AttemptItem | None:
    """The item served at `position` of the learner's attempt, with its attempt, its response if it has
    one, and the bank's fingerprint (`bank_fingerprint`, for `bank_state`): one query. None when there is
    no such item (or the attempt is someone else's)."""
    sql, params = fingerprint_sql()
    return (AttemptItem.objects.filter(attempt_id=attempt_id, attempt__learner=learner, position=position)
            .select_related("attempt", "response").annotate(bank_fingerprint=RawSQL(sql, params, output_field=TextField())).first())


def answer_record(*, learner, attempt_id: int, position: int, question_id: int, given,
                  item: AttemptItem | None = None) -> Recorded:
    """Record the answer to the question served at `position` of the learner's attempt, exactly once.

    Everything that only reads (the served item and its attempt, the question, the learner's skills and
    history, the next question the engine chooses) happens before the write transaction, so the database's
    write lock (SQLite has one for the whole file) is held only for the writes. The first write is
    guarded: the attempt's answered count must still be what was read (UPDATE ... WHERE answered = n), so
    of two concurrent submits (a double click, a replay, a second tab) exactly one records; the other
    finds the response the first wrote and gets it back (created=False). The unique response per served
    item is the backstop. Updates the learner's skill in the section and, on the learner's first answer to
    the question, the question's first-answer counts; serves the next question or finishes the attempt.
    Raises QuizError (4xx) for anything that must not be recorded; raises Attempt.DoesNotExist for someone
    else's attempt. `item`: the served item with its attempt (and response, if any) as the caller read it."""
    if item is None or item.attempt.learner_id != learner.pk:
        item = served_item(learner=learner, attempt_id=attempt_id, position=position)
        if item is None:
            Attempt.objects.filter(learner=learner).get(pk=attempt_id)  # DoesNotExist for someone else's
            raise QuizError(_("This question was not served in this quiz."))
    if hasattr(item, "response"):
        return Recorded(response=item.response, created=False, next_item=None)
    if item.question_id != question_id:
        raise QuizError(_("This answer is for a different question than the one served."))
    if not item.attempt.is_open:
        raise QuizError(_("This quiz is over; its answers can no longer change."), status=409)
    for _tries in range(PLAN_TRIES):
        plan = _plan(learner, item, given)
        try:
            with transaction.atomic():
                recorded = _write(plan)
        except IntegrityError:
            recorded = None  # a concurrent submit won the race past the guard (a backstop): return its row
        except _Replan:
            recorded = None  # rolled back: planned again below
        if recorded is not None or not _recalibrated_since(plan):
            break
        item.bank_fingerprint = None  # planned under a calibration no longer in force: read the bank again
    if recorded is None:
        response = (Response.objects.select_related("item", "attempt")
                    .filter(learner=learner, attempt_id=item.attempt_id, item__position=item.position).first())
        if response is None:
            attempt = Attempt.objects.get(pk=item.attempt_id)
            if not attempt.is_open:
                raise QuizError(_("This quiz is over; its answers can no longer change."), status=409)
            raise QuizError(_("This quiz changed in another tab; nothing was recorded. Reload the page."),
                            status=409)
        return Recorded(response=response, created=False, next_item=None)
    transaction.on_commit(lambda: calibration_refit_if_due(newest=recorded.response.pk,
                                                           last=plan.state.calibration_answers))
    return recorded


PLAN_TRIES = 3  # an answer planned again after a recalibration (refits are minutes apart at the least)


class _Replan(Exception):
    """The answer's writes rolled back: it was planned under a calibration no longer in force."""


def _recalibrated_since(plan) -> bool:
    return (EngineCalibration.objects.order_by("-pk").values_list("pk", flat=True).first()
            != plan.state.calibration_id)


@dataclass
class _Plan:
    """An answer, worked out before the write transaction from what was read."""

    learner: object
    item: AttemptItem
    question: Question
    outcome: object
    given: object
    state: BankState
    skill: LearnerSkill | None  # the learner's skill in the question's section as read (None: none yet)
    first_try: bool
    next: Next | None  # the question for the next position (None: the quiz ends here)


def _plan(learner, item: AttemptItem, given) -> _Plan:
    attempt = item.attempt
    state = bank_state(getattr(item, "bank_fingerprint", None))
    question = _question(state, item.question_id)
    try:
        outcome = question.check_answer(given)
    except InvalidAnswer as exc:
        raise QuizError(_("That answer does not fit this question; nothing was recorded.")) from exc
    cal = state.calibration
    candidates = _pool_candidates(attempt, state.bank)
    skills = _skills(attempt, candidates, also=[question.section_id])
    skill = skills.get(question.section_id)
    served = _served(attempt, item.position)
    earlier = _earlier(attempt)
    answered_before = any(q == item.question_id and correct is not None for _p, q, correct in served)
    if answered_before or any(q == item.question_id for q, _c, _at in earlier):
        first_try = False
    elif len(earlier) < HISTORY_LIMIT:  # the latest answers in the quiz's sections are all there
        first_try = True
    else:
        first_try = not Response.objects.filter(learner=learner, question_id=item.question_id).exists()
    next_chosen = None
    if item.position < attempt.length:
        # The engine's view after this answer: the section's belief updated, the answer in the history.
        beliefs = {sid: s.belief(cal) for sid, s in skills.items()}
        start = skill.belief(cal) if skill is not None else adaptive.Belief.start(cal)
        beliefs[question.section_id] = adaptive.update(start, state.bank.offsets[question.pk], outcome.score, cal)
        served = [(p, q, outcome.correct if p == item.position else c) for p, q, c in served]
        history = _history(attempt, item.position + 1, served=served, earlier_rows=earlier)
        next_chosen = _choose(attempt, state, candidates, beliefs, history, item.position + 1)
    return _Plan(learner, item, question, outcome, given, state, skill, first_try, next_chosen)


def _write(plan: _Plan) -> Recorded | None:
    """The answer's writes, in the caller's transaction; None when the guard finds the answer recorded or
    the quiz over by another request since `plan` was read."""
    item, attempt, question, outcome = plan.item, plan.item.attempt, plan.question, plan.outcome
    now = timezone.now()
    finishing = item.position >= attempt.length or plan.next is None
    changes = {"answered": F("answered") + 1, "score": F("score") + outcome.score}
    if finishing:
        changes.update(status=Attempt.Status.FINISHED, finished_at=now)
    served = None
    if attempt.served is not None and len(attempt.served) == item.position:
        served = [list(row) for row in attempt.served]
        served[item.position - 1][1] = outcome.correct
        if not finishing:
            served.append([plan.next.question.pk, None])
        changes["served"] = served
    elif attempt.served is not None:  # out of step with the items (written by hand?): read them from now on
        changes["served"] = None
    # The guard: the attempt as read (answered count, open) and the calibration the plan was worked out
    # under still in force. A recalibration committed since the plan was read fails it, and the answer is
    # planned again under the new calibration (answer_record), so the belief written is the one a replay of
    # the answers gives. (On PostgreSQL a refit locks the attempts table first: see calibration_refit.)
    in_force = Coalesce(Subquery(EngineCalibration.objects.order_by("-pk").values("pk")[:1]), 0)
    if not Attempt.objects.filter(Exact(in_force, plan.state.calibration_id or 0), pk=attempt.pk,
                                  answered=attempt.answered, status=Attempt.Status.OPEN).update(**changes):
        return None
    attempt.answered, attempt.score = attempt.answered + 1, attempt.score + outcome.score
    if served is not None:
        attempt.served = served
    if finishing:
        attempt.status, attempt.finished_at = Attempt.Status.FINISHED, now

    cal = plan.state.calibration

    def learn(skill: LearnerSkill) -> tuple:
        """The answer's evidence taken into `skill` (in memory); its mastery and state before."""
        before = (skill.mastery, skill.state)
        belief = adaptive.update(skill.belief(cal), plan.state.bank.offsets[question.pk], outcome.score, cal)
        take_belief(skill, belief, adaptive.mastery(belief))
        return before

    skill = plan.skill
    if skill is None:
        # The learner's first answer in the section. Only an answer creates the row, and the guard above
        # admits one answer at a time of the learner's one open quiz; a row made meanwhile all the same
        # fails the unique constraint, and the answer is refused with nothing recorded.
        skill = LearnerSkill(learner=plan.learner, section_id=question.section_id)
        before = learn(skill)
        skill.save(force_insert=True)
    else:
        before = learn(skill)
        # The skill as read, unless something changed it since (a recalibration): then read it again, locked.
        if LearnerSkill.objects.filter(pk=skill.pk, updated_at=skill.updated_at).update(
                **{name: getattr(skill, name) for name in SKILL_FIELDS}, updated_at=now):
            skill.updated_at = now
        else:
            if _recalibrated_since(plan):  # PostgreSQL: a refit committed while this waited for the row
                raise _Replan
            skill, _created = LearnerSkill.objects.select_for_update().get_or_create(
                learner=plan.learner, section_id=question.section_id)
            before = learn(skill)
            skill.save(update_fields=[*SKILL_FIELDS, "updated_at"])
    if plan.first_try:
        counter_add(QuestionStats, {"question": question.pk},
                    {"first_answers": 1, "first_right": 1 if outcome.correct else 0},
                    defaults={"difficulty": plan.state.bank.offsets[question.pk]})

    asked = {**item.shown, "explanation": question.explanation, "right": right_answer(question)}
    response = Response.objects.create(
        learner=plan.learner, attempt=attempt, item=item, question=question, section_id=question.section_id,
        question_version=item.question_version, asked=asked, given=as_recorded(plan.given),
        correct=outcome.correct, score=outcome.score,
        seconds=min(MAX_SECONDS, max(0, int((now - item.served_at).total_seconds()))), first_try=plan.first_try,
    )
    next_item = _serve(attempt, plan.next) if not finishing else None
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
def attempt_abandon(*, learner, attempt_id: int) -> Attempt:
    """Leave a quiz for good (it stays in the history, unfinished)."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, learner=learner)
    if attempt.is_open:
        attempt.status, attempt.finished_at = Attempt.Status.ABANDONED, timezone.now()
        attempt.save(update_fields=["status", "finished_at"])
    return attempt


def calibration_refit_if_due(*, newest: int | None = None, last: int | None = None) -> bool:
    """Recalibrate when the schedule above says so (run after an answer commits). A refit that fails (a
    deadlock with answers being recorded, on PostgreSQL) is logged and left for the next answer: the
    answer that triggered it is recorded already. `newest` (the newest answer's id) and `last` (the answers
    the calibration in force was fitted to): what the caller knows already, saving the two queries when
    no refit is due; when one seems due they are read again (another process may just have refitted)."""
    if newest is not None and (newest < CALIBRATE_FIRST or (last is not None and newest < last * CALIBRATE_GROWTH)):
        return False
    newest = Response.objects.aggregate(n=Max("pk"))["n"] or 0  # at least the count, and cheap
    last = EngineCalibration.objects.order_by("-pk").values_list("answers", flat=True).first()
    if newest < CALIBRATE_FIRST or (last is not None and newest < last * CALIBRATE_GROWTH):
        return False
    answers = Response.objects.count()
    if answers > CALIBRATE_MAX or answers < CALIBRATE_FIRST or (last is not None and answers < last * CALIBRATE_GROWTH):
        return False
    claimed = _refit_claim()
    if claimed is None:
        return False  # another request is refitting
    last = EngineCalibration.objects.order_by("-pk").values_list("answers", flat=True).first()
    if last is not None and answers < last * CALIBRATE_GROWTH:
        refit_release(claimed)  # done by another request between the reads above and the claim
        return False
    if settings.CALIBRATE_IN_BACKGROUND:
        # The fit takes seconds of CPU at the least; in this worker it would hold the learner who
        # triggered it and, holding the GIL, slow the worker's other threads. A process of its own uses a
        # core the web workers leave idle; it releases the claim when done (calibrate_engine --claimed).
        try:
            subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "calibrate_engine",
                              "--claimed", claimed.isoformat()], cwd=settings.BASE_DIR, start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        except OSError:
            logger.warning("could not start the recalibration; it is tried again after the next answer",
                           exc_info=True)
            refit_release(claimed)
            return False
        return True
    try:
        calibration_refit()
    except DatabaseError:
        logger.warning("recalibration failed; it is tried again after the next answer", exc_info=True)
        return False
    finally:
        refit_release(claimed)
    return True


def refit_release(claimed) -> None:
    """Give back the refit claim taken at `claimed` (unless it expired and another took it since)."""
    RefitClaim.objects.filter(pk=1, claimed_at=claimed).update(claimed_at=None)


REFIT_CLAIM_TTL = timedelta(minutes=30)


def _refit_claim():
    """Claim the one refit at a time (RefitClaim): the claim's time, or None when another holds it."""
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - REFIT_CLAIM_TTL)
    if RefitClaim.objects.filter(free, pk=1).update(claimed_at=now):
        return now
    try:
        with transaction.atomic():
            RefitClaim.objects.create(pk=1, claimed_at=now)  # the first refit of a new database
    except IntegrityError:
        return None
    return now


@dataclass(frozen=True)
class EngineModels:
    """The models a recalibration reads and writes: these, or a migration's historical ones."""

    Question: type = Question
    Response: type = Response
    LearnerSkill: type = LearnerSkill
    QuestionStats: type = QuestionStats
    EngineCalibration: type = EngineCalibration


def _all_answers(m: EngineModels = EngineModels(), *, learners: set | None = None) -> list[calibration.Answer]:
    """The recorded answers in replay order (by learner and section, then as answered): all of them, or the
    given learners'."""
    rows = m.Response.objects.all() if learners is None else m.Response.objects.filter(learner_id__in=learners)
    return [calibration.Answer((learner_id, section_id), question_id, score)
            for learner_id, section_id, question_id, score in rows.order_by(
                "learner_id", "section_id", "answered_at", "pk").values_list(
                "learner_id", "section_id", "question_id", "score").iterator(5000)]


def _skills_write(model, skills, names) -> None:
    """UPDATE ... WHERE id = ? for each row, sent as one batch (executemany). bulk_update's CASE WHEN per
    row and field made SQLite compare every row with every other in its batch of 1,000: the refit held the
    write lock for seconds with a few thousand skills."""
    fields = [model._meta.get_field(name) for name in names]
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(model._meta.db_table)} SET " + ", ".join(f"{qn(f.column)} = %s" for f in fields)
           + f" WHERE {qn(model._meta.pk.column)} = %s")
    rows = [[f.get_db_prep_save(getattr(skill, f.attname), connection) for f in fields] + [skill.pk]
            for skill in skills]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def replayed_skills() -> dict[tuple[int, int], calibration.Replayed]:
    """What every (learner, section)'s belief is, replayed from the recorded answers under the calibration
    in force: what LearnerSkill should hold (`rebuild_progress` compares)."""
    bank = section_bank(Question.objects.all())
    replayed = calibration.replay(bank.items, _all_answers(), current_calibration(), bank.offsets)
    return {r.pair: r for r in replayed}


def calibration_refit(models: EngineModels = EngineModels()) -> calibration.Fit:
    """Fit the engine's parameters to every recorded answer, store them, and recompute every learner's
    belief, estimate and call from their answers under the new fit (`calibration.replay`).

    The fit (most of the cost: 0.7 s for 1,300 answers, 16 s for 100,000 on this 2-core machine) and the
    replay are worked out from the answers recorded so far before the write transaction, so answers keep
    being recorded meanwhile. The transaction then replays again only the (learner, section) pairs answered
    since, and writes. On PostgreSQL it first locks the attempts table against writes (SHARE ROW EXCLUSIVE):
    it waits for the answers being written to commit, so it sees them, and an answer arriving meanwhile
    waits at its guard (`_write`), then finds the new calibration in force and is planned again under it.
    (SQLite's write transactions run one at a time anyway.)"""
    m = models
    answers = _all_answers(m)
    items = section_bank(m.Question.objects.all()).items
    fit = calibration.fit(items, answers)
    cal = fit.calibration
    replayed = {r.pair: r for r in calibration.replay(items, answers, cal, fit.offsets)}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Attempt._meta.db_table)} "
                               "IN SHARE ROW EXCLUSIVE MODE")
        skills = list(m.LearnerSkill.objects.all().iterator(5000))
        # A pair whose answers the read above did not hold in full (answered while the fit ran, or on
        # PostgreSQL committed just after the read): its skill row counts them, written in the same
        # transaction as each answer. Those pairs are replayed again from all their answers.
        late = {(s.learner_id, s.section_id) for s in skills
                if (r := replayed.get((s.learner_id, s.section_id))) is None or r.belief.answers != s.answers}
        if late:
            late_answers = [a for a in _all_answers(m, learners={learner for learner, _s in late}) if a.pair in late]
            replayed.update((r.pair, r) for r in calibration.replay(items, late_answers, cal, fit.offsets))
        m.EngineCalibration.objects.create(prior=list(cal.prior), learn=cal.learn, answers=fit.answers)
        m.QuestionStats.objects.bulk_create(
            [m.QuestionStats(question_id=q, difficulty=offset) for q, offset in fit.offsets.items()],
            update_conflicts=True, unique_fields=["question"], update_fields=["difficulty"], batch_size=1000)
        now = timezone.now()
        for skill in skills:
            r = replayed.get((skill.learner_id, skill.section_id))
            belief = r.belief if r else adaptive.Belief.start(cal)
            take_belief(skill, belief, adaptive.mastery(belief))
            skill.updated_at = now  # an answer's guard on it must see the change
        _skills_write(m.LearnerSkill, skills, [*SKILL_FIELDS, "updated_at"])
        if m.LearnerSkill is LearnerSkill:
            skills_recalibrated.send(sender=LearnerSkill)
    return fit
