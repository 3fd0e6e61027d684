"""Simulated learners for the `simulate_adaptive` benchmark. Pure Python, no Django imports.

Every policy (adaptive, random, sequential) uses the same estimator from `adaptive`: the same belief
updates, the same calibration (`calibration.fit` on the answers so far, on the services' schedule), the same
mastery call; only the choice of the next question differs. Every policy obeys the same quiz rules (quizzes of QUIZ_LENGTH questions; never
the question just asked; never a question twice in a quiz unless it was missed, never three times).

The world. Each question q has a true Rasch difficulty b_q = seed_difficulty(authored) + N(0, 0.5^2): the
engine starts from the authored seed and never sees b_q. A learner's probability of a right answer is the
Rasch probability logistic(theta_s - b_q) for the question's section s. A section is *truly mastered* when
the learner's probability of answering a typical question of it (difficulty = mean b_q of the section) right
is at least 0.85, i.e. theta_s - mean(b) >= logit(0.85): the same definition the engine estimates.

(1) Classification: static learners, theta_s - mean(b_s) ~ N(1.5, 1.25^2) independently per section (about
40 % of sections truly mastered). After 10, 20 and 40 answers the engine's mastered / not-mastered call per
section is compared with the truth.

(2) Learning: knowledge-tracing learners (Corbett & Anderson 1995, BKT): each section is either learned
(margin 2.6 logits over a typical question: P(right on typical) = 0.93, a slip rate of 0.07) or not
(margin ~ N(-1.1, 0.7^2), at most 0: P(right on typical) is 0.27 on average and never above a coin toss, so
never truly mastered); 35 % of sections start learned; each answer on a not-learned section teaches it
with probability P_LEARN = 0.15. Counted: answers until every section is learned, capped at MAX_ANSWERS.
These learners practise: the adaptive policy runs in the weak-spots quiz's mode (adaptive.WEAK_PRACTICE),
the classification learners in the mixed quiz's (adaptive.PRACTICE).
A learner who has not learnt a section answers right by guessing and by partial knowledge: BKT's guess
rate. Guessing alone gets 0.20 of the bank right (a quarter of single-choice questions, half of
true/false, 1 / (2^n - 1) of multiple-choice, 1 / n! of ordering and matching, none of fill-in), and the
0.27 leaves room for partial knowledge.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import adaptive, calibration


QUIZ_LENGTH = 10
SECTIONS_PER_LEARNER = 6
CHECKPOINTS = (10, 20, 40)
P_LEARN = 0.15
P_START_LEARNED = 0.35
LEARNED_MARGIN = 2.6
UNLEARNED_MARGIN = (-1.1, 0.7, 0.0)  # mean, sd, cap of a not-learned section's margin
MAX_ANSWERS = 600
TARGET = 0.7  # the engine's default target success rate
POLICIES = ("adaptive", "random", "sequential")


@dataclass(frozen=True)
class BankQuestion:
    question_id: int
    section_id: int
    authored_difficulty: int


class Calibration:
    """The engine's shared calibration, refitted from every simulated answer on the services' schedule."""

    def __init__(self, bank: Sequence[BankQuestion]):
        self.items = [calibration.BankItem(q.question_id, q.section_id, q.authored_difficulty) for q in bank]
        self.fit = calibration.fit(self.items, [])
        self.answers: list[calibration.Answer] = []
        self.fitted_at = 0
        self.version = 0

    @property
    def engine(self) -> adaptive.Calibration:
        return self.fit.calibration

    def offset(self, question_id: int) -> float:
        return self.fit.offsets[question_id]

    def record(self, answer: calibration.Answer) -> None:
        self.answers.append(answer)
        n = len(self.answers)
        if n >= calibration.REFIT_FIRST and n >= self.fitted_at * calibration.REFIT_GROWTH:
            self.fit = calibration.fit(self.items, self.answers)
            self.fitted_at = n
            self.version += 1


@dataclass
class Learner:
    sections: list[int]  # in the bank's order
    margin: dict[int, float]  # theta_s - mean true difficulty of s
    learning: bool = False
    learned: dict[int, bool] = field(default_factory=dict)


class Quiz:
    """One simulated learner working through quizzes with one policy and the shared estimator."""

    def __init__(self, policy, learner, questions, calibration_, typical_true, rng, learner_id):
        self.policy = policy
        self.learner = learner
        self.questions = questions  # BankQuestion of the learner's sections, in bank order
        self.calibration = calibration_
        self.typical_true = typical_true
        self.rng = rng
        self.learner_id = learner_id
        self.beliefs = {s: adaptive.Belief.start(calibration_.engine) for s in learner.sections}
        self.own: list[calibration.Answer] = []
        self.seen_version = calibration_.version
        self.earlier: dict[int, tuple[bool, int]] = {}
        self.in_quiz: dict[int, tuple[int, bool]] = {}
        self.twice: set[int] = set()
        self.position = 1
        self.quiz_number = 0
        self.last_question = None
        self.pointer = -1
        self.count = 0

    def _history(self):
        earlier = {q: adaptive.PastAnswer(correct=c, days_ago=float(self.quiz_number - n))
                   for q, (c, n) in self.earlier.items()}
        return adaptive.QuizHistory(position=self.position, in_quiz=self.in_quiz,
                                    last_question=self.last_question, earlier=earlier,
                                    asked_twice=frozenset(self.twice), capped=len(self.questions) <= QUIZ_LENGTH,
                                    length=QUIZ_LENGTH)

    def _sync(self):
        """After a recalibration, the learner's beliefs are replayed under it (as services.calibration_refit does)."""
        if self.seen_version == self.calibration.version:
            return
        cal = self.calibration
        for r in calibration.replay(cal.items, self.own, cal.engine, cal.fit.offsets):
            self.beliefs[r.pair[1]] = r.belief
        self.seen_version = cal.version

    def choose(self) -> BankQuestion:
        self._sync()
        history = self._history()
        candidates = [adaptive.Candidate(q.question_id, q.section_id, self.calibration.offset(q.question_id))
                      for q in self.questions]
        allowed = set(adaptive.askable(candidates, history))
        if not allowed:  # every question was answered right in this quiz: start the next one
            self._next_quiz()
            return self.choose()
        if self.policy == "adaptive":
            practice = adaptive.WEAK_PRACTICE if self.learner.learning else adaptive.PRACTICE
            chosen = adaptive.select_question(candidates, self.beliefs, history, self.rng, self.calibration.engine,
                                              practice)
        elif self.policy == "random":
            chosen = self.rng.choice(sorted(allowed))
        else:  # sequential: the next allowed question in bank order, wrapping around
            n = len(self.questions)
            for step in range(1, n + 1):
                q = self.questions[(self.pointer + step) % n]
                if q.question_id in allowed:
                    self.pointer = (self.pointer + step) % n
                    chosen = q.question_id
                    break
        return next(q for q in self.questions if q.question_id == chosen)

    def answer(self, question: BankQuestion, true_difficulty: dict[int, float]) -> bool:
        self._sync()
        s = question.section_id
        theta = self.typical_true[s] + self.learner.margin[s]
        right = self.rng.random() < adaptive.logistic(theta - true_difficulty[question.question_id])
        score = 1.0 if right else 0.0
        cal = self.calibration
        self.beliefs[s] = adaptive.update(self.beliefs[s], cal.offset(question.question_id), score, cal.engine)
        answer = calibration.Answer((self.learner_id, s), question.question_id, score)
        self.own.append(answer)
        cal.record(answer)
        if self.learner.learning and not self.learner.learned[s] and self.rng.random() < P_LEARN:
            self.learner.learned[s] = True
            self.learner.margin[s] = LEARNED_MARGIN
        if question.question_id in self.in_quiz:
            self.twice.add(question.question_id)
        self.in_quiz[question.question_id] = (self.position, right)
        self.last_question = question.question_id
        self.count += 1
        self.position += 1
        if self.position > QUIZ_LENGTH:
            self._next_quiz()
        return right

    def _next_quiz(self):
        for q, (_, right) in self.in_quiz.items():
            self.earlier[q] = (right, self.quiz_number)
        self.in_quiz = {}
        self.twice = set()
        self.position = 1
        self.quiz_number += 1

    def calls(self) -> dict[int, bool]:
        self._sync()
        return {s: adaptive.mastery(self.beliefs[s]).state == adaptive.MASTERED for s in self.learner.sections}


def _world(bank: Sequence[BankQuestion], seed: int):
    rng = random.Random(seed)
    true_difficulty = {q.question_id: calibration.seed_offset(q.authored_difficulty) + rng.gauss(0, 0.5)
                       for q in bank}
    by_section: dict[int, list[BankQuestion]] = {}
    for q in bank:
        by_section.setdefault(q.section_id, []).append(q)
    typical_true = {s: sum(true_difficulty[q.question_id] for q in qs) / len(qs) for s, qs in by_section.items()}
    return true_difficulty, by_section, typical_true


def _learner(rng: random.Random, section_order: list[int], learning: bool) -> Learner:
    sections = sorted(rng.sample(section_order, SECTIONS_PER_LEARNER), key=section_order.index)
    if not learning:
        return Learner(sections=sections, margin={s: rng.gauss(1.5, 1.25) for s in sections})
    learned = {s: rng.random() < P_START_LEARNED for s in sections}
    mean, sd, cap = UNLEARNED_MARGIN
    margin = {s: LEARNED_MARGIN if learned[s] else min(cap, rng.gauss(mean, sd)) for s in sections}
    return Learner(sections=sections, margin=margin, learning=True, learned=learned)


def simulate(bank: Sequence[BankQuestion], *, learners: int = 200, seed: int = 2024) -> dict:
    """Run both experiments for every policy; returns the benchmark's JSON structure plus details."""
    true_difficulty, by_section, typical_true = _world(bank, seed)
    section_order = [s for s in dict.fromkeys(q.section_id for q in bank) if len(by_section[s]) >= 3]
    if len(section_order) < SECTIONS_PER_LEARNER:
        raise ValueError(f"the bank needs at least {SECTIONS_PER_LEARNER} sections with 3+ questions")
    seed_cal = {q.question_id: calibration.seed_offset(q.authored_difficulty) for q in bank}
    accuracy = {p: {str(c): 0.0 for c in CHECKPOINTS} for p in POLICIES}
    to_mastery = {p: [] for p in POLICIES}
    truly_mastered_share = 0.0
    for policy in POLICIES:
        shared = Calibration(bank)
        hits = {c: 0 for c in CHECKPOINTS}
        total = 0
        for i in range(learners):
            learner = _learner(random.Random(seed * 1000 + i), section_order, learning=False)
            questions = [q for s in learner.sections for q in by_section[s]]
            quiz = Quiz(policy, learner, questions, shared, typical_true, random.Random(seed * 7919 + i), i)
            truth = {s: learner.margin[s] >= adaptive.MASTERY_LINE for s in learner.sections}
            if policy == POLICIES[0]:
                truly_mastered_share += sum(truth.values())
            total += len(truth)
            while quiz.count < CHECKPOINTS[-1]:
                quiz.answer(quiz.choose(), true_difficulty)
                if quiz.count in hits:
                    calls = quiz.calls()
                    hits[quiz.count] += sum(calls[s] == truth[s] for s in learner.sections)
        accuracy[policy] = {str(c): hits[c] / total for c in CHECKPOINTS}
        for i in range(learners):
            learner = _learner(random.Random(seed * 2000 + i), section_order, learning=True)
            questions = [q for s in learner.sections for q in by_section[s]]
            quiz = Quiz(policy, learner, questions, shared, typical_true, random.Random(seed * 104729 + i),
                        learners + i)
            while not all(learner.learned.values()) and quiz.count < MAX_ANSWERS:
                quiz.answer(quiz.choose(), true_difficulty)
            to_mastery[policy].append(quiz.count)
    mean = {p: sum(v) / len(v) for p, v in to_mastery.items()}
    median = {p: sorted(v)[len(v) // 2] for p, v in to_mastery.items()}
    return {
        "classification_accuracy": accuracy,
        "answers_to_mastery": {p: round(mean[p], 1) for p in POLICIES},
        "details": {
            "learners": learners,
            "median_answers_to_mastery": median,
            "capped": {p: sum(1 for n in v if n >= MAX_ANSWERS) for p, v in to_mastery.items()},
            "truly_mastered_share": truly_mastered_share / (learners * SECTIONS_PER_LEARNER),
            "mean_abs_difficulty_error_seed": _mae(seed_cal, true_difficulty),
        },
    }


def _mae(estimate: dict[int, float], truth: dict[int, float]) -> float:
    return sum(abs(estimate[q] - truth[q]) for q in truth) / len(truth) if truth else math.nan
