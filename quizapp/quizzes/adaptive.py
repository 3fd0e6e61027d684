"""The adaptive engine: what quizapp believes a learner knows in each section, when it calls a section
mastered, and which question to ask next. Pure Python with numpy: plain dataclasses in, plain values out (no
Django imports), so it is property-tested and simulated without a database. `calibration.py` fits its
parameters from the site's recorded answers.

The learner model
-----------------
Each (learner, section) has a skill z in logits, measured against the section's *typical* question (a
question of the section's mean difficulty). A question q of the section has a difficulty offset d_q from
that typical question (the offsets of a section's questions average 0). The Rasch model (Rasch 1960):

    P(right | z, q) = logistic(z - d_q)                                                          (1)

An answer with score s in [0, 1] (1 right, 0 wrong, in between for a partly right multiple-choice, ordering
or matching answer) has the fractional-Bernoulli likelihood

    L(z) = P(right | z, q)^s * (1 - P(right | z, q))^(1 - s)                                      (2)

The belief about z is a distribution on a fixed grid of GRID_POINTS skills (a histogram, not a normal: in
a class some learners know a section and others do not, and the belief must be able to say "one or the
other"). It starts from the population prior pi, fitted from every learner's answers by `calibration.fit`:
the Rasch model with a nonparametric ability distribution (Lindsay, Clogg & Grego, JASA 86, 1991; the
distribution's maximum-likelihood estimate is Laird's, JASA 73, 1978). After each answer it is updated by
Bayes' rule, which is exact on the grid:

    w_k <- w_k * L(z_k) / sum_j w_j * L(z_j)                                                      (3)

Evidence is never forgotten, so the estimate does not drift away from what the answers say. Guessing and
slips need no parameters of their own: the fitted prior puts the skills where learners' success rates
really are (a learner who knows a section but slips one time in ten sits where P = 0.9), and the offsets
make a question that is easy to guess (true/false) an easy one. (A three- or four-parameter model, with a
guessing floor per question type and a slip rate, was tried first: with two or three answers per learner
and section, those parameters and the prior could not be told apart, the fit wandered, and its calls were
no better than counting right answers; `simulate_adaptive --world` on the shared binary world: 0.887
against 0.887, and with the Rasch model 0.947 against 0.914.)

Learning. Learners do learn between answers (they read the feedback). Before a right answer, with
probability LEARN * s a skill below the mastery line has been learnt: that share of the mass below the line
moves to the prior's mastered part (Bayesian Knowledge Tracing's P(T), Corbett & Anderson 1994, lifted to
the grid). It is applied only before a right or partly right answer, so a wrong answer can never raise an
estimate: see `update`.

Mastery
-------
A section is mastered when the learner would answer its typical question right at least 85 % of the time:

    logistic(z) >= 0.85,   i.e.   z >= z* = logit(0.85) = MASTERY_LINE                               (4)

The *estimate* is the posterior probability of that, e = P(z >= z* | answers), in [0, 1]. The *call* is

    mastered  when e >= DECISION and at least MIN_RIGHT answers were right,
    learning  otherwise, once there is an answer; not started before.

A right answer multiplies the belief by a likelihood that increases with z, so e never falls (the
posterior dominates the prior stochastically: Milgrom 1981) and the count of right answers grows: the call
never goes down after a right answer. A wrong answer multiplies by a decreasing likelihood and leaves the
count as it is: the call never goes up. With the default calibration three right answers from the start
are a mastered call (MIN_RIGHT); `tests/quizzes/test_adaptive.py` checks these with hypothesis.

Choosing the next question
--------------------------
The quiz asks where an answer changes a decision. For each section, the value of its next answers to the
call (`call_values`: the expected fall in the chance that the call shown is wrong, per answer, looking up
to three answers ahead) measures how unsettled the call is: a section whose call could go either way gets
more questions, one settled either way gets few. Practice need, PRACTICE * (1 - e), keeps a
section that is settled as not mastered in rotation, since practising is how it gets learnt. Within the
chosen section the question follows spacing: a question missed in an earlier quiz is preferred, one
answered right recently waits (see `score_candidates` for why not the most informative one). A question
missed in this quiz comes back MISSED_GAP positions later (see `QuizHistory`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# --- the grid and the model --------------------------------------------------------------------------------

Z_MIN, Z_MAX, Z_STEP = -6.0, 6.0, 0.25
GRID = np.linspace(Z_MIN, Z_MAX, int(round((Z_MAX - Z_MIN) / Z_STEP)) + 1)
GRID_POINTS = len(GRID)
OFFSET_BOUND = 4.0  # |d_q| is kept within this many logits

MASTERY_THRESHOLD = 0.85
MASTERY_LINE = math.log(MASTERY_THRESHOLD / (1 - MASTERY_THRESHOLD))  # z* of equation (4)
DECISION = 0.5  # the call that is right most often: mastered when that is more likely than not
MIN_RIGHT = 3  # a mastered call rests on at least this many right answers
LEARN = 0.03  # the chance that a skill is learnt between two answers (BKT's P(T)); see the module docstring

# The prior before any fit: a broad normal over skill, mean 0 (a typical question answered right one time in
# two), sd 2; a fifth of its mass is past the mastery line.
DEFAULT_PRIOR_MEAN, DEFAULT_PRIOR_SD = 0.0, 2.0
PRIOR_FLOOR = 0.01  # a fitted prior keeps this share spread over the whole grid: no skill is ruled out

NOT_STARTED = "not_started"
LEARNING = "learning"
MASTERED = "mastered"


def logistic(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0)))


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def normal_prior(mean: float = DEFAULT_PRIOR_MEAN, sd: float = DEFAULT_PRIOR_SD) -> tuple[float, ...]:
    w = np.exp(-0.5 * ((GRID - mean) / sd) ** 2)
    return tuple(float(x) for x in w / w.sum())


def floored(weights) -> np.ndarray:
    """A prior with PRIOR_FLOOR of its mass spread evenly over the grid, normalised."""
    w = np.asarray(weights, dtype=float)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    w = w / w.sum() if w.sum() > 0 else np.full(GRID_POINTS, 1.0 / GRID_POINTS)
    return (1.0 - PRIOR_FLOOR) * w + PRIOR_FLOOR / GRID_POINTS


@dataclass(frozen=True)
class Calibration:
    """The engine's parameters shared by every learner: the population prior over skill (GRID_POINTS
    weights) and the learning rate."""

    prior: tuple[float, ...] = field(default_factory=normal_prior)
    learn: float = LEARN


DEFAULT_CALIBRATION = Calibration()


def success(offset: float, grid=GRID) -> np.ndarray:
    """P(right | z_k, q) of equation (1) at each grid point, for a question with difficulty `offset`."""
    offset = min(OFFSET_BOUND, max(-OFFSET_BOUND, offset)) if math.isfinite(offset) else 0.0
    return logistic(grid - offset)


# The share of each grid cell (z_k +- Z_STEP / 2) that lies at or above the mastery line.
LINE_SHARE = np.clip((GRID + Z_STEP / 2 - MASTERY_LINE) / Z_STEP, 0.0, 1.0)


# --- beliefs --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Belief:
    """What the engine believes about one learner in one section: weights on GRID, from `answers` answers
    of which `right` were right."""

    weights: tuple[float, ...]
    answers: int = 0
    right: int = 0

    @classmethod
    def start(cls, calibration: Calibration = DEFAULT_CALIBRATION) -> Belief:
        if cls is Belief:  # the same for every learner under one calibration: worked out once
            return _start_belief(calibration)
        return cls(weights=tuple(float(x) for x in floored(calibration.prior)))

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights, GRID))

    @property
    def sd(self) -> float:
        w = np.asarray(self.weights)
        return float(math.sqrt(max(0.0, float(np.dot(w, (GRID - self.mean) ** 2)))))


@dataclass(frozen=True)
class Mastery:
    estimate: float  # P(mastered | answers), in [0, 1]
    state: str  # NOT_STARTED, LEARNING or MASTERED


def estimate(weights) -> float:
    return float(min(1.0, max(0.0, float(np.dot(np.asarray(weights), LINE_SHARE)))))


def mastery(belief: Belief) -> Mastery:
    """The estimate and the call of the module docstring."""
    e = estimate(belief.weights)
    if belief.answers == 0:
        state = NOT_STARTED
    elif e >= DECISION and belief.right >= MIN_RIGHT:
        state = MASTERED
    else:
        state = LEARNING
    return Mastery(estimate=e, state=state)


def update_weights(weights: np.ndarray, item_success: np.ndarray, score: np.ndarray, mastered_prior: np.ndarray,
                   learn: float) -> np.ndarray:
    """One answer for each row of `weights` (n x GRID_POINTS): the learning step, then equation (3).
    `item_success` is P(right | z_k) per row and `score` the scores. Vectorised so that a recalibration
    replays every learner's answers in a few array operations per answer index."""
    score = np.clip(np.nan_to_num(score, nan=0.0), 0.0, 1.0)[:, None]
    rate = learn * score  # learning is applied only before (partly) right answers
    below = weights * (1.0 - LINE_SHARE)
    moved = (rate * below).sum(axis=1, keepdims=True)
    w = weights - rate * below + moved * mastered_prior
    p = np.clip(item_success, 1e-12, 1.0 - 1e-12)
    log_l = score * np.log(p) + (1.0 - score) * np.log1p(-p)
    log_l -= log_l.max(axis=1, keepdims=True)
    w = w * np.exp(log_l)
    total = w.sum(axis=1, keepdims=True)
    return w / np.where(total > 0, total, 1.0)


def mastered_part(prior) -> np.ndarray:
    """The prior restricted to the mastered side of the line, normalised: where learnt skills land (read
    only: a calibration's is worked out once)."""
    if isinstance(prior, tuple):
        return _mastered_part(prior)
    part = floored(prior) * LINE_SHARE
    return part / part.sum()


@lru_cache(maxsize=8)
def _mastered_part(prior: tuple) -> np.ndarray:
    part = floored(prior) * LINE_SHARE
    part = part / part.sum()
    part.flags.writeable = False
    return part


@lru_cache(maxsize=8)
def _start_belief(calibration: Calibration) -> Belief:
    return Belief(weights=tuple(float(x) for x in floored(calibration.prior)))


def update(belief: Belief, offset: float, score: float, calibration: Calibration = DEFAULT_CALIBRATION) -> Belief:
    """The belief after one answer with `score` to a question with difficulty `offset`."""
    if not math.isfinite(score):
        score = 0.0
    score = min(1.0, max(0.0, float(score)))
    w = update_weights(np.asarray([belief.weights]), success(offset)[None, :], np.asarray([score]),
                       mastered_part(calibration.prior)[None, :], calibration.learn)[0]
    return Belief(weights=tuple(float(x) for x in w), answers=belief.answers + 1,
                  right=belief.right + (1 if score >= 1.0 else 0))


# --- choosing the next question --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    question_id: int
    section_id: int
    offset: float = 0.0  # difficulty offset from the section's typical question (logits)


@dataclass(frozen=True)
class PastAnswer:
    """The learner's latest answer to a question in an *earlier* quiz."""

    correct: bool
    days_ago: float


@dataclass(frozen=True)
class QuizHistory:
    """What the learner has done that the quiz rules and spacing look at.

    position: the position (1-based) of the question about to be chosen; length: the quiz's length.
    in_quiz: question id -> (position of its latest answer in this quiz, whether that answer was right).
    last_question: the question asked just before, in this quiz or (for the first position) the last quiz.
    earlier: question id -> the latest answer in earlier quizzes.
    asked_twice: questions already asked twice in this quiz: a missed question comes back once, not again
    and again (a learner who keeps missing it is better served by the notes and the flashcards).
    capped: the quiz is as long as its pool of questions (a small section), so each of them is asked once,
    and missed ones come back in a later quiz rather than in place of a question not yet asked.
    """

    position: int = 1
    in_quiz: Mapping[int, tuple[int, bool]] = field(default_factory=dict)
    last_question: int | None = None
    earlier: Mapping[int, PastAnswer] = field(default_factory=dict)
    asked_twice: frozenset[int] = frozenset()
    capped: bool = False
    length: int = 0  # 0: unknown (no end-of-quiz rule)


MISSED_GAP = 3  # a question missed in this quiz comes back at least this many positions later...
RETRY_SHARE = 3  # ...while at most one question in RETRY_SHARE of the quiz is a second try
RECENT_DAYS = 3.0  # how fast the "answered right recently" penalty fades, in days
# Weight of practice need (1 - estimate) beside the value to the call. Small in a mixed or section quiz, which
# finds out what the learner knows: there it only breaks ties between settled sections. In a weak-spots
# quiz, which is there to practise, practice need outweighs the call: the learner practises what is least
# likely mastered, and the call follows from those answers.
PRACTICE = 0.02
WEAK_PRACTICE = 1.0
# Within a section, how much spacing counts: small beside the sections' priorities, which choose the section.
SPACING = 0.05


def pending_retries(history: QuizHistory) -> list[tuple[int, int]]:
    """(position missed, question id) of the questions missed in this quiz that are to come back, oldest
    first. None in a capped quiz (each question of a short pool is asked once), nor once a third of the
    quiz has been second tries."""
    if history.capped:
        return []
    if history.length and len(history.asked_twice) >= max(1, history.length // RETRY_SHARE):
        return []
    return sorted((position, q) for q, (position, correct) in history.in_quiz.items()
                  if not correct and q not in history.asked_twice)


def due_retry(history: QuizHistory) -> int | None:
    """The missed question that comes back now: the oldest one missed at least MISSED_GAP positions ago,
    or, when the quiz has only as many positions left as there are missed questions waiting, the oldest
    one that is not the question just asked."""
    pending = pending_retries(history)
    if not pending:
        return None
    position, question = pending[0]
    if history.position - position >= MISSED_GAP:
        return question
    left = history.length - history.position + 1 if history.length else None
    if left is not None and left <= len(pending):
        for _, q in pending:
            if q != history.last_question:
                return q
    return None


def _may_ask(question_id: int, history: QuizHistory) -> bool:
    """The quiz rules: never the question just asked; in a quiz, a question once, unless it comes back as a
    missed one (`due_retry`)."""
    return question_id != history.last_question and question_id not in history.in_quiz


def _spacing(question_id: int, history: QuizHistory) -> float:
    past = history.earlier.get(question_id)
    if past is None:
        return 0.0
    if not past.correct:
        return 0.6  # missed in an earlier quiz: bring it back
    return -math.exp(-max(0.0, past.days_ago) / RECENT_DAYS)  # right recently: not yet


def askable(candidates: Sequence[Candidate], history: QuizHistory) -> list[int]:
    """Question ids the quiz rules allow now (the same rules for every selection policy)."""
    retry = due_retry(history)
    if retry is not None and any(c.question_id == retry for c in candidates):
        return [retry]
    return [c.question_id for c in candidates if _may_ask(c.question_id, history)]


def call_values(weights: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row by row (sections): how much an answer is worth to the *call*, as the expected fall in the
    probability that the call shown is wrong, per answer, at the best horizon of 1 to LOOKAHEAD answers to
    a typical question (the exact expectation over the 2^h outcomes; decision-theoretic value of
    information, Raiffa & Schlaifer 1961). The horizon matters: a section with one right answer cannot be
    called mastered after one more (MIN_RIGHT), but can after two, so a one-step look would see no value in
    it. The call is wrong with probability e when it says "learning" and 1 - e when it says "mastered"."""
    typical = success(0.0)[None, None, :]

    def error(paths, rights):
        mass = paths.sum(axis=2)  # (paths x sections): the probability of each path of answers
        e = (paths * LINE_SHARE).sum(axis=2) / np.maximum(mass, 1e-300)
        mastered = (e >= DECISION) & (rights >= MIN_RIGHT)
        return (mass * np.where(mastered, 1.0 - e, e)).sum(axis=0)

    paths, rights = weights[None], right[None].astype(float)
    now = error(paths, rights)
    best = np.zeros(len(weights))
    for h in range(1, LOOKAHEAD + 1):
        paths = np.concatenate([paths * typical, paths * (1.0 - typical)])
        rights = np.concatenate([rights + 1, rights])
        best = np.maximum(best, (now - error(paths, rights)) / h)
    return best


LOOKAHEAD = 3  # = MIN_RIGHT: from no answers, three right ones can make the call


def section_priorities(beliefs: Sequence[Belief], practice: float = 0.0) -> np.ndarray:
    """How much the next answer is worth in each section: its value to the call (`call_values`) plus
    practice need, practice * (1 - estimate)."""
    weights = np.asarray([b.weights for b in beliefs])
    right = np.asarray([b.right for b in beliefs], dtype=float)
    return call_values(weights, right) + practice * (1.0 - weights @ LINE_SHARE)


def score_candidates(candidates: Sequence[Candidate], beliefs: Mapping[int, Belief], history: QuizHistory,
                     calibration: Calibration = DEFAULT_CALIBRATION, practice: float | None = None) -> dict[int, float]:
    """The score of each askable candidate:

        score(q) = priority(s) + SPACING * spacing(q)

    with s the question's section (`section_priorities`) and spacing(q) = +0.6 for a question missed in an
    earlier quiz, -exp(-days / 3) for one answered right in an earlier quiz, 0 for a new one; ties are
    broken at random. A due second try of a missed question is the only askable candidate (`askable`).

    Which question of the section does not depend on the learner's belief. Choosing the question most
    informative about the call was tried: it gave harder questions to learners who looked stronger, so
    a question's difficulty and the skill of those who answered it moved together, and the calibration
    could no longer tell them apart (on the shared fresh binary world, where questions do not differ, it
    found the authored difficulties 93 % right (alpha 0.93) and its calls fell below counting right answers:
    0.888 against 0.906; without it, alpha 0.06 and 0.942 against 0.913)."""
    allowed = set(askable(candidates, history))
    chosen = [c for c in candidates if c.question_id in allowed]
    if not chosen:
        return {}
    sections = sorted({c.section_id for c in chosen})
    row_of = {s: n for n, s in enumerate(sections)}
    section_beliefs = [beliefs.get(s) or Belief.start(calibration) for s in sections]
    priority = section_priorities(section_beliefs, PRACTICE if practice is None else practice)
    rows = np.array([row_of[c.section_id] for c in chosen])
    spacing = np.array([_spacing(c.question_id, history) for c in chosen])
    total = priority[rows] + SPACING * spacing
    return {c.question_id: float(v) for c, v in zip(chosen, total)}


def select_question(candidates: Sequence[Candidate], beliefs: Mapping[int, Belief], history: QuizHistory,
                    rng: random.Random, calibration: Calibration = DEFAULT_CALIBRATION,
                    practice: float | None = None) -> int | None:
    """The question id with the highest `score_candidates` score, ties broken with `rng`; None when no
    candidate may be asked. Always one of `candidates`."""
    scores = score_candidates(candidates, beliefs, history, calibration, practice)
    if not scores:
        return None
    best = max(scores.values())
    tied = sorted(q for q, s in scores.items() if s >= best - 1e-9)
    return tied[0] if len(tied) == 1 else rng.choice(tied)
