"""The adaptive engine: a learner model per (learner, section), a difficulty per question, mastery, and the
choice of the next question. Pure Python: plain dataclasses in, plain values out (no Django imports), so it
is property-tested and simulated without a database.

The model is the Rasch (one-parameter logistic) model. A learner with skill theta in a section answers a
question of difficulty d right with probability

    P(right | theta, d) = 1 / (1 + exp(-(theta - d)))                                     (1)

Skill (per learner and section) is a belief, not a point: a normal N(mean, sd^2) over theta, starting from
the prior N(0, PRIOR_SD^2). Learners learn, so before each answer the belief widens by a random-walk step,
sd^2 <- sd^2 + DRIFT_SD^2 (as Glicko widens a rating's deviation between games: Glickman, Applied
Statistics 48(3), 1999; a Kalman filter's process noise). Then the answer with score s in [0, 1] (1 right,
0 wrong, in between for a partly right multiple-choice, ordering or matching answer) updates it by Bayes'
rule with the fractional-Bernoulli likelihood

    L(theta) = P^s * (1 - P)^(1 - s)                                                      (2)

evaluated on a quadrature grid and moment-matched back to a normal (the expected a posteriori, EAP,
estimate: Bock & Mislevy, Applied Psychological Measurement 6(4), 1982; the Gaussian moment matching is
"assumed density filtering", Minka 2001). `sd` is the uncertainty; it shrinks with evidence.

Question difficulty is calibrated online from every learner's *first* answer to the question with the Elo
rating update used for adaptive practice by Pelanek ("Applications of the Elo rating system in adaptive
educational systems", Computers & Education 98, 2016; the proso-apps code):

    d <- d + K(n) * (P(right | theta_hat, d) - s),   K(n) = a / (1 + b * n)               (3)

with a = 0.8, b = 0.05 and n the number of first answers seen so far, seeded from the authored
difficulty 1..5 (`seed_difficulty`).

Predictions for choosing questions integrate over the skill belief with the probit approximation (MacKay
1992):

    E[P(right on q)] ~= logistic((mean - d_q) / sqrt(1 + pi * sd^2 / 8))                   (4)

Mastery of a section is the predicted probability of answering a *typical* question of the section (one of
the section's mean difficulty) right, at the skill estimate:

    v = logistic(mean - d_typical)                                                         (5)

A section is *mastered* when v >= 0.85 with enough evidence: at least MASTERY_MIN_ANSWERS answers, and
either sd <= MASTERY_MAX_SD or a confidence (below) of at least MASTERY_CONFIDENCE. (The second arm keeps a
learner who answers everything right mastered: easy successes carry little information, so the drift can
widen sd again, while the confidence keeps rising.) States: not started (no answers), learning, mastered. `confidence` is the posterior
probability that the skill clears the mastery margin, Phi((mean - d_typical - logit(0.85)) / sd).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PRIOR_MEAN = 0.0
PRIOR_SD = 1.5
MIN_SD = 0.2
SKILL_BOUND = 6.0  # |mean| is kept within this many logits
DIFFICULTY_BOUND = 4.0
ELO_A = 0.8
ELO_B = 0.05
DRIFT_SD = 0.5  # learners learn: the skill may move this much (sd, logits) between answers
GRID_POINTS = 41
GRID_HALF_WIDTH = 5.0  # in prior standard deviations

MASTERY_THRESHOLD = 0.85
MASTERY_MIN_ANSWERS = 4
MASTERY_MAX_SD = 1.25  # above the steady state sd that DRIFT_SD leaves after many answers (~1.0)
MASTERY_CONFIDENCE = 0.8
# logit(0.85): the skill margin over the typical difficulty that mastery needs.
MASTERY_MARGIN = math.log(MASTERY_THRESHOLD / (1 - MASTERY_THRESHOLD))

NOT_STARTED = "not_started"
LEARNING = "learning"
MASTERED = "mastered"


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _log_logistic(x: float) -> float:
    """log(logistic(x)), stable for large |x|."""
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


@dataclass(frozen=True)
class Skill:
    """Belief about a learner's skill in one section: N(mean, sd^2) in logits, from `answers` answers."""

    mean: float = PRIOR_MEAN
    sd: float = PRIOR_SD
    answers: int = 0


@dataclass(frozen=True)
class Mastery:
    value: float  # v of equation (4), in [0, 1]
    state: str  # NOT_STARTED, LEARNING or MASTERED
    confidence: float  # posterior probability that the skill clears the mastery margin, in [0, 1]


def seed_difficulty(authored: int) -> float:
    """Authored difficulty 1 (easy) .. 5 (hard) as a starting Rasch difficulty: 3 -> 0, each step 0.75 logit."""
    return (min(5, max(1, int(authored))) - 3) * 0.75


def elo_k(n: int) -> float:
    """Pelanek's uncertainty function K(n) = a / (1 + b n) of equation (3)."""
    return ELO_A / (1.0 + ELO_B * max(0, n))


def predict(skill: Skill, difficulty: float) -> float:
    """Predicted probability of a right answer, integrating over the skill belief (equation 4)."""
    return logistic((skill.mean - difficulty) / math.sqrt(1.0 + math.pi * skill.sd**2 / 8.0))


def update_skill(skill: Skill, difficulty: float, score: float) -> Skill:
    """The EAP update of equation (2): the drift-widened prior N(mean, sd^2 + DRIFT_SD^2) times P^s (1-P)^(1-s) on a grid of
    GRID_POINTS points spanning mean +- 5 sd, moment-matched to a normal. The grid is symmetric about the
    mean, so the grid's own prior mean is exactly `mean`; the shift of the posterior mean and the ratio of
    the variances are applied to the belief. A right answer (s = 1) has a likelihood increasing in theta,
    so it never lowers the mean; a wrong one never raises it."""
    if not math.isfinite(score):
        score = 0.0
    score = min(1.0, max(0.0, float(score)))
    if not math.isfinite(difficulty):
        difficulty = 0.0
    difficulty = min(DIFFICULTY_BOUND, max(-DIFFICULTY_BOUND, difficulty))
    mean, sd = skill.mean, math.sqrt(skill.sd**2 + DRIFT_SD**2)
    zs = [-GRID_HALF_WIDTH + 2 * GRID_HALF_WIDTH * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    log_w = []
    for z in zs:
        x = mean + sd * z - difficulty
        log_w.append(-0.5 * z * z + score * _log_logistic(x) + (1.0 - score) * _log_logistic(-x))
    top = max(log_w)
    weights = [math.exp(lw - top) for lw in log_w]
    total = sum(weights)
    post_mean_z = sum(w * z for w, z in zip(weights, zs)) / total
    post_var_z = sum(w * (z - post_mean_z) ** 2 for w, z in zip(weights, zs)) / total
    prior_weights = [math.exp(-0.5 * z * z) for z in zs]
    prior_var_z = sum(w * z * z for w, z in zip(prior_weights, zs)) / sum(prior_weights)
    shift = sd * post_mean_z
    if score >= 1.0:
        shift = max(0.0, shift)
    elif score <= 0.0:
        shift = min(0.0, shift)
    new_mean = min(SKILL_BOUND, max(-SKILL_BOUND, mean + shift))
    new_sd = min(PRIOR_SD, max(MIN_SD, sd * math.sqrt(max(post_var_z, 0.0) / prior_var_z)))
    return Skill(mean=new_mean, sd=new_sd, answers=skill.answers + 1)


def update_difficulty(difficulty: float, first_answers: int, skill_mean: float, score: float) -> float:
    """Elo step of equation (3) after a learner's first answer to the question (`first_answers` first
    answers had been seen before this one). A right answer makes the question look easier."""
    score = min(1.0, max(0.0, score))
    expected = logistic(skill_mean - difficulty)
    new = difficulty + elo_k(first_answers) * (expected - score)
    return min(DIFFICULTY_BOUND, max(-DIFFICULTY_BOUND, new))


def mastery(skill: Skill, typical_difficulty: float) -> Mastery:
    """Mastery of a section (equation 5 and the evidence rule in the module docstring)."""
    value = logistic(skill.mean - typical_difficulty)
    margin = skill.mean - typical_difficulty - MASTERY_MARGIN
    confidence = 0.5 * (1.0 + math.erf(margin / (skill.sd * math.sqrt(2.0))))
    if skill.answers == 0:
        state = NOT_STARTED
    elif (value >= MASTERY_THRESHOLD and skill.answers >= MASTERY_MIN_ANSWERS
          and (skill.sd <= MASTERY_MAX_SD or confidence >= MASTERY_CONFIDENCE)):
        state = MASTERED
    else:
        state = LEARNING
    return Mastery(value=value, state=state, confidence=confidence)


# --- selection ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    question_id: int
    section_id: int
    difficulty: float


def typical_by_section(questions: Sequence[Candidate]) -> dict[int, float]:
    """The difficulty of each section's *typical* question (equation 5): the mean of its questions'."""
    by_section: dict[int, list[float]] = {}
    for q in questions:
        by_section.setdefault(q.section_id, []).append(q.difficulty)
    return {section: sum(values) / len(values) for section, values in by_section.items()}


@dataclass(frozen=True)
class PastAnswer:
    """The learner's latest answer to a question in an *earlier* quiz."""

    correct: bool
    days_ago: float


@dataclass(frozen=True)
class QuizHistory:
    """What the learner has done that spacing looks at.

    position: the position (1-based) of the question about to be chosen in this quiz.
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
    asked_twice: frozenset[int] = frozenset()  # questions already asked twice in this quiz
    capped: bool = False


@dataclass(frozen=True)
class Weights:
    """Weights of the selection score (see `score_candidates`)."""

    target: float = 1.0
    section: float = 4.0
    spacing: float = 1.0
    # Within section need: how much an undecided mastery call counts beside low mastery.
    undecided: float = 1.5
    # How much a question that tells mastered from not mastered counts, in an undecided section.
    evidence: float = 2.0


DEFAULT_WEIGHTS = Weights()
MISSED_GAP = 3  # a question missed in this quiz comes back at least this many positions later
RECENT_DAYS = 3.0  # how fast the "answered right recently" penalty fades, in days


def section_need(skill: Skill, typical_difficulty: float, weights: Weights | None = None) -> float:
    """How much a section wants practice, in [0, 1 + weights.undecided]:

        need = (1 - v) + undecided * u,    u = 4 c (1 - c) while the call is still open and settling, else 0

    with v the mastery value (equation 5) and c the posterior probability that the section is mastered: low
    mastery asks for practice, and a call that could still go either way asks for evidence. The call is
    settling while the section is not mastered and its belief is wider than EVIDENCE_SD (see there); once
    it is called mastered, or its belief has settled, it asks for no more evidence: practice follows low
    mastery, and spacing brings its questions back later."""
    weights = weights or DEFAULT_WEIGHTS
    m = mastery(skill, typical_difficulty)
    return (1.0 - m.value) + weights.undecided * _undecided(m, skill)


# Evidence for the mastery call is sought while the skill belief is wider than this (logits). Each answer
# first widens the belief by DRIFT_SD, then narrows it by the answer's information, p (1 - p). At the
# target success rate (p = 0.7) the two balance at sd ~= 1.05, and the belief narrows below 1.15 after
# three or four answers (less informative answers take longer). Until then, an answer makes the call
# surer. After that, more answers do not settle the call, they re-test it: an undecided section asked
# until its estimate happens to cross the line is called mastered by chance, and in a learner who has just
# learnt a section, every answer spent confirming it is one not spent on the sections still to learn.
# (`simulate_adaptive` without this bound: calls after 40 answers were worse than after 20, and adaptive
# needed 0.65 of random's answers to mastery.)
EVIDENCE_SD = 1.15


def _undecided(m: Mastery, skill: Skill) -> float:
    """4 c (1 - c): 1 when the mastery call is a coin toss, 0 when it is settled or already made."""
    if m.state == MASTERED or skill.sd <= EVIDENCE_SD:
        return 0.0
    return 4.0 * m.confidence * (1.0 - m.confidence)


def _spacing(question_id: int, history: QuizHistory) -> float | None:
    """The spacing term, or None when the question may not be asked now."""
    if question_id == history.last_question:
        return None
    if question_id in history.in_quiz:
        position, correct = history.in_quiz[question_id]
        if correct or question_id in history.asked_twice or history.position - position < MISSED_GAP:
            return None
        if history.capped:
            return None  # every question of a short pool once: the missed ones come back in a later quiz
        return 1.0  # missed earlier in this quiz: bring it back
    past = history.earlier.get(question_id)
    if past is None:
        return 0.0
    if not past.correct:
        return 0.6  # missed in an earlier quiz
    return -math.exp(-max(0.0, past.days_ago) / RECENT_DAYS)  # right recently: not yet


def score_candidates(
    candidates: Sequence[Candidate],
    skills: Mapping[int, Skill],
    typical: Mapping[int, float],
    history: QuizHistory,
    *,
    target: float = 0.7,
    weights: Weights | None = None,
) -> dict[int, float]:
    """Score each askable candidate; questions that may not be asked now are left out. For a question q of
    section s with typical difficulty t_s:

        score = w_target   * (1 - |P(right on q) - target| / max(target, 1 - target))
              + w_section  * need(s)                                 (section_need)
              + w_spacing  * spacing(q)
              + w_evidence * u(s) * 4 p* (1 - p*),   p* = logistic(t_s + logit(0.85) - d_q)

    The last term prefers, in a section whose mastery call is still open (u of `section_need`), questions
    that tell a learner just at the mastery line from one just below it: p* is the success probability of
    a learner exactly at the line, and p(1 - p) is the Fisher information of a Rasch item. spacing(q) = +1
    for a question missed earlier in this quiz (allowed again MISSED_GAP positions later), +0.6 for one
    missed in an earlier quiz, -exp(-days / 3) for one answered right in an earlier quiz, 0 for a new one.
    Never the question just asked; never one answered right in this quiz."""
    weights = weights or DEFAULT_WEIGHTS
    target = min(0.99, max(0.01, target))
    span = max(target, 1.0 - target)
    needs: dict[int, tuple[float, float]] = {}
    scores = {}
    for c in candidates:
        spacing = _spacing(c.question_id, history)
        if spacing is None:
            continue
        skill = skills.get(c.section_id, Skill())
        t = typical.get(c.section_id, 0.0)
        if c.section_id not in needs:
            needs[c.section_id] = (section_need(skill, t, weights), _undecided(mastery(skill, t), skill))
        need, undecided = needs[c.section_id]
        fit = 1.0 - abs(predict(skill, c.difficulty) - target) / span
        at_line = logistic(t + MASTERY_MARGIN - c.difficulty)
        scores[c.question_id] = (
            weights.target * fit
            + weights.section * need
            + weights.spacing * spacing
            + weights.evidence * undecided * 4.0 * at_line * (1.0 - at_line)
        )
    return scores


def select_question(
    candidates: Sequence[Candidate],
    skills: Mapping[int, Skill],
    typical: Mapping[int, float],
    history: QuizHistory,
    rng: random.Random,
    *,
    target: float = 0.7,
    weights: Weights | None = None,
) -> int | None:
    """The question id with the highest `score_candidates` score, ties broken with `rng`; None when no
    candidate may be asked. Always one of `candidates`."""
    scores = score_candidates(candidates, skills, typical, history, target=target, weights=weights)
    if not scores:
        return None
    best = max(scores.values())
    tied = sorted(q for q, s in scores.items() if s >= best - 1e-9)
    return tied[0] if len(tied) == 1 else rng.choice(tied)


def askable(candidates: Sequence[Candidate], history: QuizHistory) -> list[int]:
    """Question ids the quiz rules allow now (the same rules for every selection policy)."""
    return [c.question_id for c in candidates if _spacing(c.question_id, history) is not None]
