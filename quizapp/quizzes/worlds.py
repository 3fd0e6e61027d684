"""Simulated worlds for `simulate_adaptive --world FILE.json`: simulated learners with a hidden truth take
quizzes through the real services (attempt_start, answer_record, which serves the next question), and the
engine's calls are compared with the truth and with counting right answers.

A world file is one JSON object:

    {"kind": "binary", "learners": 30, "warmup_learners": 300, "seed": 7,
     "quizzes": [["mixed", 20], ["mixed", 20], ["weak", 10]],
     "p_know": 0.4, "p_right_known": 0.9, "p_right_unknown": 0.25, "p_learn": 0.0}

    {"kind": "irt", ...the same keys for learners, warm-up, seed and quizzes..., "theta_mean": 0.0,
     "theta_sd": 1.5, "guess": 0.2, "p_learn": 0.0}

binary: each learner knows each leaf section with probability p_know, and answers a question of a known
section right with probability p_right_known, of an unknown one with p_right_unknown, whatever the question.
irt: each question has a true difficulty b_q = its authored difficulty on the engine's seed scale ((d - 3) *
0.75 logits) plus N(0, 0.5^2); each learner a true ability theta_s ~ N(theta_mean, theta_sd^2) per section;
P(right) = guess + (1 - guess) * logistic(theta_s - b_q). A section is truly mastered when P(right) on a
question of the section's mean true difficulty is at least 0.85.
p_learn: after each answer in a section not truly mastered, the chance that it becomes so (binary: known;
irt: theta_s rises to 0.5 logit past the line).
p_forget (optional, ours): after each answer elsewhere, the chance that each truly mastered section of the
learner is forgotten (binary: unknown again; irt: theta_s falls to 1 logit below the line). A world where
the engine's assumption that skills only grow is wrong.

Warm-up learners take the same quizzes first and are not measured. Measured: every (learner, leaf section)
with at least 3 answers. With p_learn > 0, each measured learner then goes on with weak-spots quizzes of 10 until
every section is truly mastered (at most MAX_ANSWERS answers), and the whole world is run again with random
selection (the same quiz rules) for the comparison.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects

from quizapp.catalog import question_types
from quizapp.catalog.models import Question, Section

from . import adaptive, calibration, services
from .models import AttemptItem, LearnerSkill

MIN_ANSWERS = 3
NAIVE_SHARE = 0.8
MAX_ANSWERS = 1500
LEARN_QUIZ = ("weak", 10)  # practising until mastered: weak-spots quizzes, for both policies
MODELS = ("binary", "irt")  # the truth model, the world file's "kind"


class WorldError(ValueError):
    pass


@dataclass(frozen=True)
class World:
    model: str  # how the hidden truth is drawn (MODELS); the file's key is "kind", a shared contract
    learners: int
    warmup_learners: int
    seed: int
    quizzes: tuple[tuple[str, int], ...]
    p_know: float = 0.4
    p_right_known: float = 0.9
    p_right_unknown: float = 0.25
    p_learn: float = 0.0
    p_forget: float = 0.0
    theta_mean: float = 0.0
    theta_sd: float = 1.5
    guess: float = 0.2

    @classmethod
    def from_json(cls, data) -> World:
        """A world from a parsed world file; WorldError says what is wrong."""
        if not isinstance(data, dict):
            raise WorldError("a world file is one JSON object")
        model = data.get("kind")
        if model not in MODELS:
            raise WorldError(f"kind must be one of {', '.join(MODELS)}")
        known = {f for f in cls.__dataclass_fields__} - {"model"} | {"kind"}
        unknown = set(data) - known
        if unknown:
            raise WorldError(f"unknown keys: {', '.join(sorted(unknown))}")

        def number(name, low, high, default, integer=False):
            value = data.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
                raise WorldError(f"{name} must be {'a whole number' if integer else 'a number'}")
            if not (low <= value <= high) or (not integer and not math.isfinite(value)):
                raise WorldError(f"{name} must be between {low} and {high}")
            return value

        quizzes = data.get("quizzes")
        if not isinstance(quizzes, list) or not quizzes:
            raise WorldError("quizzes must be a non-empty list of [kind, length]")
        plan = []
        for quiz in quizzes:
            if (not isinstance(quiz, list) or len(quiz) != 2 or quiz[0] not in ("mixed", "weak", "section")
                    or isinstance(quiz[1], bool) or not isinstance(quiz[1], int) or not 5 <= quiz[1] <= 30):
                raise WorldError("each quiz is [\"mixed\" | \"weak\" | \"section\", length 5-30]")
            plan.append((quiz[0], quiz[1]))
        return cls(
            model=model, learners=number("learners", 1, 10_000, None, True),
            warmup_learners=number("warmup_learners", 0, 100_000, 0, True), seed=number("seed", -2**62, 2**62, 0, True),
            quizzes=tuple(plan), p_know=number("p_know", 0, 1, 0.4), p_right_known=number("p_right_known", 0, 1, 0.9),
            p_right_unknown=number("p_right_unknown", 0, 1, 0.25), p_learn=number("p_learn", 0, 1, 0.0), p_forget=number("p_forget", 0, 1, 0.0),
            theta_mean=number("theta_mean", -6, 6, 0.0), theta_sd=number("theta_sd", 0, 6, 1.5),
            guess=number("guess", 0, 0.84, 0.2))


@dataclass
class Learner:
    user: object
    rng: random.Random
    known: dict[int, bool] = field(default_factory=dict)  # binary
    theta: dict[int, float] = field(default_factory=dict)  # irt


class Truth:
    """The world's hidden side: who knows what, and the chance of each answer."""

    def __init__(self, world: World, questions: list[Question], rng: random.Random):
        self.world = world
        self.section_of = {q.pk: q.section_id for q in questions}
        self.b = {q.pk: calibration.seed_offset(q.difficulty) + rng.gauss(0.0, 0.5) for q in questions}
        by_section: dict[int, list[float]] = {}
        for q in questions:
            by_section.setdefault(q.section_id, []).append(self.b[q.pk])
        self.b_mean = {s: sum(v) / len(v) for s, v in by_section.items()}
        self.margin = adaptive.logit((adaptive.MASTERY_THRESHOLD - world.guess) / (1.0 - world.guess)) \
            if world.guess < adaptive.MASTERY_THRESHOLD else math.inf

    def new_learner(self, user, rng: random.Random, sections: list[int]) -> Learner:
        learner = Learner(user, rng)
        for s in sections:
            if self.world.model == "binary":
                learner.known[s] = rng.random() < self.world.p_know
            else:
                learner.theta[s] = rng.gauss(self.world.theta_mean, self.world.theta_sd)
        return learner

    def mastered(self, learner: Learner, section: int) -> bool:
        if self.world.model == "binary":
            return learner.known[section]
        return learner.theta[section] - self.b_mean[section] >= self.margin

    def p_right(self, learner: Learner, question_id: int) -> float:
        s = self.section_of[question_id]
        w = self.world
        if w.model == "binary":
            return w.p_right_known if learner.known[s] else w.p_right_unknown
        return w.guess + (1.0 - w.guess) * float(adaptive.logistic(learner.theta[s] - self.b[question_id]))

    def forget(self, learner: Learner, answered: int) -> None:
        if self.world.p_forget <= 0:
            return
        for s in (learner.known or learner.theta):
            if s != answered and self.mastered(learner, s) and learner.rng.random() < self.world.p_forget:
                if self.world.model == "binary":
                    learner.known[s] = False
                else:
                    learner.theta[s] = self.b_mean[s] + self.margin - 1.0

    def learn(self, learner: Learner, section: int) -> None:
        if self.world.p_learn <= 0 or self.mastered(learner, section) or learner.rng.random() >= self.world.p_learn:
            return
        if self.world.model == "binary":
            learner.known[section] = True
        else:
            learner.theta[section] = self.b_mean[section] + self.margin + 0.5


class Answers:
    """A right or a wrong answer to each question, in the shape `catalog.answers` documents (cached)."""

    def __init__(self):
        self.keys = {}

    def given(self, question_id: int, right: bool):
        key = self.keys.get(question_id)
        if key is None:
            question = Question.objects.get(pk=question_id)
            prefetch_related_objects([question], question.answer_rows)
            key = self.keys[question_id] = question.answer_key()
        return question_types.get(key.type).sample_answer(key, right)


@dataclass
class Tally:
    answers: int = 0
    demotions_after_right: int = 0


def _state(user, section_id: int) -> str:
    return (LearnerSkill.objects.filter(learner=user, section_id=section_id).values_list("state", flat=True).first()
            or adaptive.NOT_STARTED)


def take_quiz(truth: Truth, learner: Learner, kind: str, length: int, answers: Answers, tally: Tally,
              limit: int | None = None) -> int:
    """One quiz through the services; returns the number of answers given."""
    try:
        attempt = services.attempt_start(learner=learner.user, kind=kind, section_ids=[], length=length)
    except services.QuizError:
        return 0
    item = AttemptItem.objects.get(attempt=attempt, position=1)
    given_count = 0
    while item is not None and (limit is None or given_count < limit):
        q, s = item.question_id, truth.section_of[item.question_id]
        right = learner.rng.random() < truth.p_right(learner, q)
        before = _state(learner.user, s)
        recorded = services.answer_record(learner=learner.user, attempt_id=attempt.pk, position=item.position,
                                          question_id=q, given=answers.given(q, right))
        if right and before == adaptive.MASTERED and _state(learner.user, s) != adaptive.MASTERED:
            tally.demotions_after_right += 1
        truth.learn(learner, s)
        truth.forget(learner, s)
        tally.answers += 1
        given_count += 1
        item = recorded.next_item
    return given_count


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """The area under the ROC curve (Mann-Whitney, ties count one half)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    ranked = sorted((s, y) for s, y in zip(scores, labels))
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # the mean of ranks i+1..j
        rank_sum += mid * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def run(world: World, *, selection: str = "adaptive", progress=None) -> dict:
    """Run a world on the current (throwaway) database; returns the figures of the contract."""
    services.SELECTION = selection
    try:
        return _run(world, progress)
    finally:
        services.SELECTION = "adaptive"


def _run(world: World, progress) -> dict:
    rng = random.Random(world.seed)
    questions = list(Question.objects.published().order_by("pk"))
    sections = sorted(set(Section.objects.leaves().values_list("pk", flat=True)))
    truth = Truth(world, questions, rng)
    answers = Answers()
    user_model = get_user_model()
    tally, measured_tally = Tally(), Tally()
    measured: list[Learner] = []
    to_mastery: list[int] = []
    total = world.warmup_learners + world.learners
    for n in range(total):
        user = user_model(username=f"world-{world.seed}-{n}")
        user.set_unusable_password()
        user.save()
        learner = truth.new_learner(user, random.Random(f"{world.seed}:{n}"), sections)
        is_measured = n >= world.warmup_learners
        t = measured_tally if is_measured else tally
        for kind, length in world.quizzes:
            take_quiz(truth, learner, kind, length, answers, t)
        if is_measured:
            measured.append(learner)
        if progress:
            progress(n + 1, total)
    snapshot = _score(truth, measured)
    if world.p_learn > 0:
        for learner in measured:
            given = sum(LearnerSkill.objects.filter(learner=learner.user).values_list("answers", flat=True))
            while given < MAX_ANSWERS and not all(truth.mastered(learner, s) for s in sections):
                n = take_quiz(truth, learner, *LEARN_QUIZ, answers, measured_tally, limit=MAX_ANSWERS - given)
                if n == 0:
                    break
                given += n
            to_mastery.append(given)
    snapshot.update({
        "demotions_after_right": tally.demotions_after_right + measured_tally.demotions_after_right,
        "answers_to_mastery": round(sum(to_mastery) / len(to_mastery), 1) if to_mastery else None,
    })
    return snapshot


def _score(truth: Truth, measured: list[Learner]) -> dict:
    rows = LearnerSkill.objects.filter(learner__in=[lr.user for lr in measured]).values_list(
        "learner_id", "section_id", "answers", "right", "mastery", "state")
    by_user = {lr.user.pk: lr for lr in measured}
    calls, naive, scores, labels = [], [], [], []
    known_answers = unknown_answers = known_n = unknown_n = 0
    for learner_id, section_id, n, right, estimate, state in rows:
        learner = by_user[learner_id]
        truly = truth.mastered(learner, section_id)
        if truly:
            known_answers += n
        else:
            unknown_answers += n
        if n < MIN_ANSWERS:
            continue
        calls.append((state == adaptive.MASTERED) == truly)
        naive.append((right / n >= NAIVE_SHARE) == truly)
        scores.append(estimate)
        labels.append(truly)
    for learner in measured:
        for s in (learner.known or learner.theta):
            if truth.mastered(learner, s):
                known_n += 1
            else:
                unknown_n += 1
    area = auc(scores, labels)
    return {
        "call_accuracy": round(sum(calls) / len(calls), 4) if calls else None,
        "naive_accuracy": round(sum(naive) / len(naive), 4) if naive else None,
        "auc": round(area, 4) if area is not None else None,
        "sections_scored": len(calls),
        "answers_per_known_section": round(known_answers / max(1, known_n), 3),
        "answers_per_unknown_section": round(unknown_answers / max(1, unknown_n), 3),
    }
