"""Simulated learners reviewing flashcards under three schedulers (no Django: the benchmark's engine).

Memory model (the "truth"): each (learner, card) has its own FSRS-6 parameters, drawn around the
published defaults (each weight multiplied by exp(N(0, SPREAD)), clamped to fsrs's bounds). Its stability
and difficulty evolve by the FSRS-6 equations with those true parameters, and the probability of recalling
it t days after the last review is R = (1 + F t / S) ** -decay with the true S and decay.

At each review the learner recalls with probability R. A recall is rated Hard / Good / Easy with
probabilities 0.224 / 0.632 / 0.144, a failure is Again. The very first sight of a card is rated with
Anki users' first-rating frequencies (Again 0.24, Hard 0.094, Good 0.495, Easy 0.171); both figures are
the defaults of the FSRS simulator.

Schedulers compared (all share Anki's learning steps 1 min, 10 min and relearning step 10 min):
- fsrs: this app's scheduler (scheduling.review: py-fsrs with default weights, desired retention 0.9);
- fixed: intervals 1, 3, 7, 14, 30, 60 days (then 60 again); a lapse starts again at 1 day;
- sm2: Anki's SM-2 defaults: graduating 1 day, easy 4 days, starting ease 2.5, Hard x1.2, Easy bonus 1.3,
  ease -0.2 / -0.15 / +0.15 on Again / Hard / Easy, minimum ease 1.3, a lapse restarts at 1 day.

Each day the learner studies once (09:00): reviews due that day (at most `max_reviews`), then up to
`new_per_day` new cards in order, each card's same-day learning steps on time.
Figures: reviews per card (every answer, learning steps included), recall (share of recalls at reviews
of cards in the review phase, i.e. a day or more after the last review), and retention at the last day
(mean true R of all cards).
"""

from __future__ import annotations

import heapq
from copy import copy
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from . import scheduling
from .scheduling import Memory, Phase

SPREAD = 0.15
FIRST_RATING = (0.24, 0.094, 0.495, 0.171)
RECALL_RATING = (0.224, 0.632, 0.144)
LEARNING_STEPS = (60, 600)
RELEARNING_STEPS = (600,)
FIXED_LADDER = (1, 3, 7, 14, 30, 60)
START = datetime(2025, 1, 1, tzinfo=UTC)
STUDY_HOUR = 9


def true_parameters(rng: random.Random) -> tuple[float, ...]:
    out = []
    for w, low, high in zip(DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS):
        out.append(min(max(w * math.exp(rng.gauss(0, SPREAD)), low), high))
    return tuple(out)


class TrueMemory:
    """The learner's real memory of one card: FSRS-6 with the card's own true parameters."""

    def __init__(self, params: tuple[float, ...]):
        self.scheduler = Scheduler(parameters=params, enable_fuzzing=False,
                                   learning_steps=[timedelta(seconds=s) for s in LEARNING_STEPS],
                                   relearning_steps=[timedelta(seconds=s) for s in RELEARNING_STEPS])
        self.decay = params[20]
        self.card = Card(card_id=0, state=State.Learning, step=0, due=START)

    def recall_probability(self, now: datetime) -> float:
        if self.card.stability is None or self.card.last_review is None:
            return 0.0
        elapsed = (now - self.card.last_review).total_seconds() / 86400
        return scheduling.retrievability(self.card.stability, elapsed, self.decay)

    def update(self, rating: int, now: datetime, elapsed_days: int | None) -> None:
        card = self.card
        if card.last_review is not None and elapsed_days:
            # Whole days between study days, as FSRS's weights were fitted on (see scheduling.review).
            card = copy(card)
            card.last_review = min(card.last_review, now - timedelta(days=elapsed_days))
        self.card, _ = self.scheduler.review_card(card, Rating(rating), review_datetime=now)


# --- the schedulers under test -----------------------------------------------------------------------

class FsrsPolicy:
    name = "fsrs"

    def __init__(self):
        self.settings = scheduling.Settings(desired_retention=0.9, learning_steps=LEARNING_STEPS,
                                            relearning_steps=RELEARNING_STEPS)

    def start(self):
        return Memory()

    def review(self, state: Memory, rating: int, now: datetime, seed: int, elapsed_days: int | None):
        state = scheduling.review(state, rating, now, self.settings, seed=seed, elapsed_days=elapsed_days)
        return state, state.due, state.state == Phase.REVIEW


@dataclass
class StepState:
    """A card under a day-interval scheduler: Anki's learning steps, then whole-day intervals."""

    phase: Phase = Phase.NEW
    step: int = 0
    interval: float = 0.0  # days
    rung: int = 0
    ease: float = 2.5


class _StepPolicy:
    """Learning and relearning steps as in Anki (and fsrs); subclasses choose the day intervals."""

    def start(self):
        return StepState()

    def review(self, s: StepState, rating: int, now: datetime, seed: int, elapsed_days: int | None):
        s = StepState(**s.__dict__)
        if s.phase in (Phase.NEW, Phase.LEARNING, Phase.RELEARNING):
            steps = RELEARNING_STEPS if s.phase == Phase.RELEARNING else LEARNING_STEPS
            relearning = s.phase == Phase.RELEARNING
            if s.phase == Phase.NEW:
                s.phase, s.step = Phase.LEARNING, 0
            if rating == 1:
                s.step = 0
                return s, now + timedelta(seconds=steps[0]), False
            if rating == 2:
                wait = steps[0] * 1.5 if len(steps) == 1 else (steps[0] + steps[1]) / 2 if s.step == 0 \
                    else steps[s.step]
                return s, now + timedelta(seconds=wait), False
            if rating == 3 and s.step + 1 < len(steps):
                s.step += 1
                return s, now + timedelta(seconds=steps[s.step]), False
            days = self.graduate(s, rating, relearning)
            s.phase = Phase.REVIEW
            s.interval = days
            return s, now + timedelta(days=days), True
        # in review
        if rating == 1:
            self.lapse(s)
            s.phase, s.step = Phase.RELEARNING, 0
            return s, now + timedelta(seconds=RELEARNING_STEPS[0]), True
        days = self.next_interval(s, rating)
        s.interval = days
        return s, now + timedelta(days=days), True


class FixedPolicy(_StepPolicy):
    name = "fixed"

    def graduate(self, s, rating, relearning):
        s.rung = 0
        return FIXED_LADDER[0]

    def lapse(self, s):
        s.rung = 0

    def next_interval(self, s, rating):
        s.rung = min(s.rung + 1, len(FIXED_LADDER) - 1)
        return FIXED_LADDER[s.rung]


class Sm2Policy(_StepPolicy):
    name = "sm2"

    def graduate(self, s, rating, relearning):
        if relearning:
            return max(1, round(s.interval))  # Anki: new interval after a lapse (x0, at least 1 day)
        return 4 if rating == 4 else 1

    def lapse(self, s):
        s.ease = max(1.3, s.ease - 0.2)
        s.interval = 1

    def next_interval(self, s, rating):
        ivl = max(1.0, s.interval)
        hard = max(ivl + 1, round(ivl * 1.2))
        good = max(hard + 1, round(ivl * s.ease))
        easy = max(good + 1, round(ivl * s.ease * 1.3))
        if rating == 2:
            s.ease = max(1.3, s.ease - 0.15)
            return hard
        if rating == 4:
            s.ease += 0.15
            return easy
        return good


POLICIES = {"fsrs": FsrsPolicy, "fixed": FixedPolicy, "sm2": Sm2Policy}


# --- the simulation ------------------------------------------------------------------------------------

@dataclass
class Result:
    cards: int = 0
    reviews: int = 0
    long_term_reviews: int = 0
    long_term_recalls: int = 0
    retention_sum: float = 0.0
    busiest_day: int = 0
    per_day: list = field(default_factory=list)

    def add(self, other: "Result") -> None:
        self.cards += other.cards
        self.reviews += other.reviews
        self.long_term_reviews += other.long_term_reviews
        self.long_term_recalls += other.long_term_recalls
        self.retention_sum += other.retention_sum
        self.busiest_day = max(self.busiest_day, other.busiest_day)

    def summary(self) -> dict:
        return {
            "reviews_per_card": round(self.reviews / self.cards, 3),
            "recall": round(self.long_term_recalls / max(1, self.long_term_reviews), 4),
            "retention_day_180": round(self.retention_sum / self.cards, 4),
        }


def _rating(rng: random.Random, recalled: bool) -> int:
    if not recalled:
        return 1
    return rng.choices((2, 3, 4), weights=RECALL_RATING)[0]


def simulate_learner(policy, n_cards: int, *, days: int, seed: int, new_per_day: int = 20,
                     max_reviews: int = 200) -> Result:
    """One learner, `n_cards` cards introduced in order, `days` days of daily study."""
    rng = random.Random(seed)
    truths = [TrueMemory(true_parameters(rng)) for _ in range(n_cards)]
    states = [policy.start() for _ in range(n_cards)]
    in_review = [False] * n_cards
    last_day: list[int | None] = [None] * n_cards
    due: list[tuple[datetime, int]] = []  # heap of (due, card) for cards already introduced
    next_new = 0
    result = Result(cards=n_cards)

    def answer(i: int, now: datetime, day: int) -> datetime:
        truth = truths[i]
        elapsed_days = None if last_day[i] is None else day - last_day[i]
        last_day[i] = day
        if truth.card.stability is None:  # first sight
            rating = rng.choices((1, 2, 3, 4), weights=FIRST_RATING)[0]
        else:
            recalled = rng.random() < truth.recall_probability(now)
            rating = _rating(rng, recalled)
            if in_review[i] and elapsed_days >= 1:
                result.long_term_reviews += 1
                result.long_term_recalls += recalled
        truth.update(rating, now, elapsed_days)
        states[i], next_due, in_review[i] = policy.review(states[i], rating, now, seed=rng.getrandbits(63),
                                                          elapsed_days=elapsed_days)
        result.reviews += 1
        return next_due

    for day in range(days):
        session = START + timedelta(days=day, hours=STUDY_HOUR)
        day_end = START + timedelta(days=day + 1)
        todays: list[int] = []
        deferred: list[tuple[datetime, int]] = []
        reviews_done = 0
        while due and due[0][0] < day_end:
            when, i = heapq.heappop(due)
            if in_review[i] and reviews_done >= max_reviews:
                deferred.append((when, i))
                continue
            reviews_done += in_review[i]
            todays.append(i)
        for item in deferred:
            heapq.heappush(due, (item[0] + timedelta(days=1), item[1]))
        for _ in range(new_per_day):
            if next_new < n_cards:
                todays.append(next_new)
                next_new += 1
        answered = 0
        for i in todays:
            now = session
            while True:  # the card's same-day steps, each on time
                next_due = answer(i, now, day)
                answered += 1
                if next_due >= day_end:
                    heapq.heappush(due, (next_due, i))
                    break
                now = max(next_due, now)
        result.busiest_day = max(result.busiest_day, answered)

    end = START + timedelta(days=days)
    result.retention_sum = sum(t.recall_probability(end) for t in truths[:next_new])
    result.cards = next_new
    return result


def simulate(policy_name: str, n_cards: int, *, learners: int, days: int = 180, seed: int = 0) -> Result:
    total = Result()
    for learner in range(learners):
        # The same seed for every policy: the same learners with the same true memories.
        total.add(simulate_learner(POLICIES[policy_name](), n_cards, days=days, seed=seed * 10_007 + learner))
    return total
