"""Fitting the adaptive engine's parameters from the site's recorded answers, and replaying every learner's
answers under them. Pure Python with numpy, no Django imports.

`fit` is marginal maximum likelihood by expectation-maximisation (Bock & Aitkin, Psychometrika 46, 1981)
for the Rasch model of `adaptive` (equation 1 there) with a nonparametric ability distribution on the grid
(Lindsay, Clogg & Grego, JASA 86, 1991):

    E step   for every (learner, section) with answers, the posterior over the grid given the current
             parameters: w_k proportional to pi_k * prod_answers L_answer(z_k)
    M step   pi     <- the mean of those posteriors (iterated to convergence for the current offsets, with
                       SQUAREM acceleration: `_fit_prior`)
             d_q    <- one Fisher-scoring step on the expected log-likelihood of q's answers, with a normal
                       prior N(alpha * seed_q, OFFSET_PRIOR_SD^2) around the authored difficulty; then the
                       offsets of each section are re-centred on 0, so "the typical question" keeps its
                       meaning and skill stays on a fixed scale however much data comes in (the anchor)
             alpha  <- the slope of the answers' own estimates of the offsets (without their prior) on the
                       authored difficulties, weighted by the answers' information, in [0, ALPHA_MAX]:
                       how much the authors' difficulty ratings say about real difficulty (empirical Bayes,
                       as in hierarchical IRT with item covariates: De Boeck & Wilson 2004). Where the ratings
                       say nothing, the offsets gather at 0 instead of keeping a spread the answers do not
                       show, which would make a slip on an "easy" question look like proof of ignorance.

The learning step of `adaptive.update` is left out of the fit (a static model): it is small, and leaving
it out keeps each E step one product per (learner, section).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import adaptive

ITERATIONS = 12
PRIOR_CYCLES = 25
OFFSET_PRIOR_SD = 0.5  # how far, in logits, questions scatter around alpha * their authored difficulty
ALPHA_MAX = 1.5
MIN_ANSWERS = 50  # fewer answers than this: keep the default calibration
# When a site refits: after its first REFIT_FIRST answers, then each time they have grown by REFIT_GROWTH
# (services.calibration_refit_if_due; simulation.py follows the same schedule).
REFIT_FIRST = 200
REFIT_GROWTH = 1.25


def seed_offset(authored: int) -> float:
    """Authored difficulty 1 (easy) .. 5 (hard) as a logit, 3 -> 0, each step 0.75 logit; `seed_offsets`
    centres them per section."""
    return (min(5, max(1, int(authored))) - 3) * 0.75


@dataclass(frozen=True)
class BankItem:
    question_id: int
    section_id: int
    authored: int  # the authored difficulty 1..5


def seed_offsets(items: Sequence[BankItem]) -> dict[int, float]:
    """Each question's offset from its section's typical question, from the authored difficulties."""
    by_section: dict[int, list[BankItem]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append(item)
    offsets = {}
    for members in by_section.values():
        mean = sum(seed_offset(i.authored) for i in members) / len(members)
        for i in members:
            offsets[i.question_id] = seed_offset(i.authored) - mean
    return offsets


@dataclass(frozen=True)
class Fit:
    calibration: adaptive.Calibration
    offsets: dict[int, float]  # question id -> difficulty offset
    answers: int  # answers it was fitted from
    log_likelihood: float
    alpha: float = 1.0  # how much the authored difficulties turned out to say


@dataclass(frozen=True)
class Answer:
    """One recorded answer, in the order the learner gave them within each (learner, section)."""

    pair: tuple[int, int]  # (learner id, section id)
    question_id: int
    score: float


class _Arrays:
    """The answers as arrays, sorted by pair (stable: each pair's answers stay in order)."""

    def __init__(self, items: Sequence[BankItem], answers: Sequence[Answer]):
        self.items = list(items)
        index = {item.question_id: n for n, item in enumerate(self.items)}
        kept = [a for a in answers if a.question_id in index]
        kept.sort(key=lambda a: a.pair)  # stable
        self.pairs = list(dict.fromkeys(a.pair for a in kept))
        pair_index = {p: n for n, p in enumerate(self.pairs)}
        self.pair = np.fromiter((pair_index[a.pair] for a in kept), dtype=np.int64, count=len(kept))
        self.question = np.fromiter((index[a.question_id] for a in kept), dtype=np.int64, count=len(kept))
        self.score = np.clip(np.fromiter((a.score for a in kept), dtype=float, count=len(kept)), 0.0, 1.0)
        sections = sorted({i.section_id for i in self.items})
        section_index = {s: n for n, s in enumerate(sections)}
        self.section = np.array([section_index[i.section_id] for i in self.items], dtype=np.int64)
        self.section_ids = sections
        self.starts = np.flatnonzero(np.r_[True, self.pair[1:] != self.pair[:-1]]) if len(kept) else np.zeros(0, int)


def _centre(offsets: np.ndarray, section: np.ndarray) -> np.ndarray:
    sums = np.bincount(section, weights=offsets)
    counts = np.maximum(np.bincount(section), 1)
    centred = offsets - (sums / counts)[section]
    return np.clip(centred, -adaptive.OFFSET_BOUND, adaptive.OFFSET_BOUND)


def _fit_prior(like: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """The prior's EM, pi <- mean posterior, for fixed item parameters (`like`: pairs x grid likelihoods).
    It is cheap (pairs x grid) but slow to converge, as a mixing distribution estimated from a few answers
    per pair always is, so it is accelerated with SQUAREM (Varadhan & Roland, Scand. J. Statist. 35, 2008):
    two EM steps, a step along their squared extrapolation, and a stabilising EM step, kept only when the
    likelihood does not fall. The prior is not floored here (adaptive.floored is applied where it is used):
    re-flooring every step stopped the iteration short of the maximum (on a matured binary world's answers,
    20 log-likelihood units short, with a fifth of the mass where no learner was)."""

    def em(pi):
        post = like * pi
        post /= np.maximum(post.sum(axis=1, keepdims=True), 1e-300)
        return post.mean(axis=0)

    def normalised(pi):
        pi = np.maximum(pi, 0.0)
        return pi / pi.sum()

    def loglik(pi):
        return float(np.log((like * pi).sum(axis=1)).sum())

    for _ in range(PRIOR_CYCLES):
        p1 = em(prior)
        p2 = em(p1)
        r, v = p1 - prior, p2 - 2 * p1 + prior
        alpha = min(-1.0, -float(np.sqrt((r * r).sum() / max((v * v).sum(), 1e-300))))
        jumped = em(normalised(prior - 2 * alpha * r + alpha * alpha * v))
        prior = jumped if loglik(jumped) >= loglik(p2) else p2
    return prior


def fit(items: Sequence[BankItem], answers: Sequence[Answer], *, iterations: int = ITERATIONS) -> Fit:
    """The calibration and the question offsets that best explain `answers` (see the module docstring).
    With fewer than MIN_ANSWERS answers, the defaults: the authored difficulties and the default prior."""
    data = _Arrays(items, answers)
    seeds = np.array([seed_offsets(data.items)[i.question_id] for i in data.items]) if data.items else np.zeros(0)
    if len(data.score) < MIN_ANSWERS:
        return Fit(adaptive.Calibration(), {i.question_id: float(s) for i, s in zip(data.items, seeds)},
                   len(data.score), float("nan"))
    prior = adaptive.floored(adaptive.normal_prior())
    offsets = seeds.copy()
    alpha = 0.0  # the authored difficulties count once the answers show that they say something
    s = data.score[:, None]
    log_likelihood = float("-inf")
    for _ in range(iterations):
        p = np.clip(adaptive.logistic(adaptive.GRID[None, :] - offsets[data.question][:, None]), 1e-12, 1 - 1e-12)
        pair_ll = np.add.reduceat(s * np.log(p) + (1.0 - s) * np.log1p(-p), data.starts, axis=0)
        top = pair_ll.max(axis=1, keepdims=True)
        like = np.exp(pair_ll - top)
        prior = _fit_prior(like, prior)
        post = like * prior
        norm = post.sum(axis=1, keepdims=True)
        post /= norm
        log_likelihood = float((np.log(norm) + top).sum())
        # One Fisher-scoring step for the offsets: dp/dd = -p (1 - p), information p (1 - p) per answer.
        resp = post[data.pair]  # (answers x grid): the posterior of each answer's pair
        grad = -np.bincount(data.question, weights=(resp * (s - p)).sum(axis=1), minlength=len(data.items))
        info = np.bincount(data.question, weights=(resp * p * (1.0 - p)).sum(axis=1), minlength=len(data.items))
        # alpha: the answers' own estimate of each offset (one Newton step, without the prior), regressed
        # on the authored difficulties with the answers' information as weights.
        own = offsets + grad / np.maximum(info, 1e-9)
        alpha = min(ALPHA_MAX, max(0.0, float((info * own * seeds).sum()) / max(float((info * seeds**2).sum()), 1e-9)))
        grad -= (offsets - alpha * seeds) / OFFSET_PRIOR_SD**2
        info += 1.0 / OFFSET_PRIOR_SD**2
        offsets = _centre(offsets + np.clip(grad / info, -1.0, 1.0), data.section)
    calibration = adaptive.Calibration(prior=tuple(float(x) for x in prior))
    return Fit(calibration, {i.question_id: float(d) for i, d in zip(data.items, offsets)}, len(data.score),
               log_likelihood, alpha)


@dataclass(frozen=True)
class Replayed:
    pair: tuple[int, int]
    belief: adaptive.Belief
    mastery: adaptive.Mastery


def replay(items: Sequence[BankItem], answers: Sequence[Answer], calibration: adaptive.Calibration,
           offsets: Mapping[int, float]) -> list[Replayed]:
    """Every (learner, section)'s belief after its answers, in order, under `calibration`: what
    `adaptive.update` gives answer by answer, computed for all pairs at once (one array step per answer
    index)."""
    data = _Arrays(items, answers)
    if not data.pairs:
        return []
    n = len(data.pairs)
    counts = np.diff(np.r_[data.starts, len(data.score)])
    weights = np.tile(adaptive.floored(calibration.prior), (n, 1))
    mastered = adaptive.mastered_part(calibration.prior)[None, :]
    offs = np.clip(np.array([offsets.get(i.question_id, 0.0) for i in data.items]),
                   -adaptive.OFFSET_BOUND, adaptive.OFFSET_BOUND)
    right = np.zeros(n, dtype=np.int64)
    for t in range(int(counts.max())):
        rows = np.flatnonzero(counts > t)
        at = data.starts[rows] + t
        p = adaptive.logistic(adaptive.GRID[None, :] - offs[data.question[at]][:, None])
        weights[rows] = adaptive.update_weights(weights[rows], p, data.score[at], mastered, calibration.learn)
        right[rows] += data.score[at] >= 1.0
    out = []
    for n_pair, pair in enumerate(data.pairs):
        belief = adaptive.Belief(weights=tuple(float(x) for x in weights[n_pair]), answers=int(counts[n_pair]),
                                 right=int(right[n_pair]))
        out.append(Replayed(pair, belief, adaptive.mastery(belief)))
    return out
