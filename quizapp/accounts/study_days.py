"""A learner's study day: it rolls over at 04:00 in the learner's own time zone, as in Anki, so an answer
at 01:00 still counts for the evening before.

It lives in accounts, the lowest layer, because it depends only on the learner's time zone and both cards
(what is due today) and progress (answers per day) count in it; neither may import the other's modules
for it (the layers contract in pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

ROLLOVER = time(4, 0)


@dataclass(frozen=True)
class StudyDay:
    start: datetime  # UTC
    end: datetime  # UTC: the next rollover
    date: object  # the learner-local date the day is named after


def study_day(learner, now: datetime | None = None) -> StudyDay:
    now = now or timezone.now()
    zone = learner.zone
    local = now.astimezone(zone)
    day = local.date() if local.time() >= ROLLOVER else local.date() - timedelta(days=1)
    start = datetime.combine(day, ROLLOVER, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), ROLLOVER, tzinfo=zone)
    return StudyDay(start=start.astimezone(UTC), end=end.astimezone(UTC), date=day)


def study_days_between(learner, earlier: datetime | None, later: datetime) -> int | None:
    """Whole study days from `earlier` to `later` (what FSRS calls elapsed days), or None."""
    if earlier is None:
        return None
    return (study_day(learner, later).date - study_day(learner, earlier).date).days
