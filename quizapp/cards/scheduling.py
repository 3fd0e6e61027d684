"""Scheduling flashcard reviews with FSRS-6 (the `fsrs` package): plain values in, plain values out.

No Django here, so the services, the tests and the `simulate_srs` benchmark share one code path.

Model (FSRS-6, Ye et al.): a card's memory has a stability S (days until recall probability falls to 90 %)
and a difficulty D (1..10). Recall probability after t days is R(t) = (1 + F * t / S) ** -w20 with
F = 0.9 ** (-1 / w20) - 1. After a review the scheduler updates S and D from the rating and R at review
time, then sets the next interval to the t at which R(t) equals the desired retention, rounded to whole
days (learning and relearning steps are minutes). This module adds only two things to `fsrs`:

- a state for cards never reviewed (NEW), which fsrs folds into Learning step 0;
- deterministic fuzz: fsrs spreads review intervals by a few percent at random; here the random draw
  comes from a seed (learner, card, review count), so the interval shown on an answer button is exactly
  the one that pressing it gives.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import IntEnum

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

__all__ = ["Memory", "Phase", "Rating", "Settings", "fuzz_seed", "preview", "review", "retrievability"]


class Phase(IntEnum):
    """Where a card is in learning; the values match fsrs.State, plus NEW for cards never reviewed."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class Settings:
    """A learner's scheduling settings; steps in seconds."""

    desired_retention: float = 0.90
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500


@dataclass(frozen=True)
class Memory:
    """What the scheduler knows about one learner's card."""

    state: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


class _SeededScheduler(Scheduler):
    """fsrs's Scheduler whose fuzz is drawn from a seeded generator instead of the global one.

    The fuzz range is fsrs's own (FUZZ_RANGES, the same arithmetic as `Scheduler._get_fuzzed_interval`).
    """

    def __init__(self, *args, seed: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._seed = seed

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for r in FUZZ_RANGES:
            delta += r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0)
        low = max(2, round(days - delta))
        high = min(round(days + delta), self.maximum_interval)
        low = min(low, high)
        draw = random.Random(self._seed).random()
        return timedelta(days=min(round(draw * (high - low + 1) + low), self.maximum_interval))


def fuzz_seed(*parts: object) -> int:
    """A stable 64-bit seed from, e.g., (learner id, flashcard id, review count)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _scheduler(settings: Settings, seed: int | None) -> Scheduler:
    kwargs = dict(
        desired_retention=settings.desired_retention,
        learning_steps=[timedelta(seconds=s) for s in settings.learning_steps],
        relearning_steps=[timedelta(seconds=s) for s in settings.relearning_steps],
        maximum_interval=settings.maximum_interval,
    )
    if seed is None:
        return Scheduler(enable_fuzzing=False, **kwargs)
    return _SeededScheduler(enable_fuzzing=True, seed=seed, **kwargs)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(timezone.utc)


def _to_fsrs(memory: Memory, now: datetime, elapsed_days: int | None) -> Card:
    if memory.state == Phase.NEW:
        return Card(card_id=0, state=State.Learning, step=0, due=now)
    last_review = _utc(memory.last_review) if memory.last_review else None
    if last_review is not None and elapsed_days:
        # fsrs counts elapsed days on the clock (a review 23 h later is "the same day"); Anki, and the
        # data FSRS's weights were fitted on, count calendar days between study days.
        last_review = min(last_review, now - timedelta(days=elapsed_days))
    return Card(
        card_id=0,
        state=State(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due) if memory.due else now,
        last_review=last_review,
    )


def review(memory: Memory, rating: int, now: datetime, settings: Settings, seed: int | None = None,
           elapsed_days: int | None = None) -> Memory:
    """The card's memory after a review with `rating` (1 Again, 2 Hard, 3 Good, 4 Easy) at `now`.

    A lapse is an Again on a card in REVIEW. `seed` fixes the fuzz (None: no fuzz). `elapsed_days`: study
    days since the last review (the learner's calendar, rolling over at 04:00); None counts 24-hour periods.
    """
    rating = Rating(int(rating))
    now = _utc(now)
    card, _log = _scheduler(settings, seed).review_card(_to_fsrs(memory, now, elapsed_days), rating,
                                                        review_datetime=now)
    lapsed = memory.state == Phase.REVIEW and rating == Rating.Again
    return Memory(
        state=Phase(int(card.state)),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=memory.reps + 1,
        lapses=memory.lapses + (1 if lapsed else 0),
    )


def preview(memory: Memory, now: datetime, settings: Settings, seed: int | None = None,
            elapsed_days: int | None = None) -> dict[int, timedelta]:
    """For each rating 1-4, the interval from `now` to the due time that rating would give."""
    return {int(r): review(memory, r, now, settings, seed, elapsed_days).due - _utc(now) for r in Rating}


def retrievability(stability: float, elapsed_days: float, decay: float) -> float:
    """FSRS-6 forgetting curve R(t) = (1 + F t / S) ** -decay, F = 0.9 ** (-1/decay) - 1 (t, S in days)."""
    if stability <= 0:
        return 0.0
    factor = 0.9 ** (-1 / decay) - 1
    return (1 + factor * max(elapsed_days, 0.0) / stability) ** -decay


def interval_parts(interval: timedelta) -> tuple[str, float]:
    """An interval as (unit, amount) for display, Anki style: minutes or hours under a day, then days,
    months (30 days) and years (365 days)."""
    seconds = interval.total_seconds()
    minutes = max(1, math.ceil(seconds / 60))  # shown as "<N m": due within N minutes
    if minutes < 60:
        return "minutes", minutes
    hours = round(seconds / 3600)  # each unit is used only while its rounded amount is below the next unit
    if hours < 24:
        return "hours", max(1, hours)
    days = seconds / 86400
    if round(days) < 30:
        return "days", round(days)
    months = round(days / (365 / 12), 1)
    if months < 12:
        return "months", months
    return "years", round(days / 365, 1)
