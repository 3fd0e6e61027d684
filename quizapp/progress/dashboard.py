"""What a learner's dashboard shows, read from rollups and per-card state only: a fixed number of queries,
whatever the length of the learner's history."""

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from quizapp.accounts.study_days import study_day
from quizapp.cards.models import CardState, Phase
from quizapp.cards.queue import counts_today, scope_for
from quizapp.catalog.models import Section, Status, bank_revision
from quizapp.catalog.outline import Outline, bank_outline, figures_digest
from quizapp.quizzes.mastery import Call
from quizapp.quizzes.models import Attempt, MasteryState

from . import charts
from .models import DailyActivity, SectionDay, SectionProgress

HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_DAYS = 30
ACCURACY_WEEKS = 26


@dataclass
class SectionRow:
    section: Section
    mastery: float = 0.0
    state: str = MasteryState.NOT_STARTED
    answers: int = 0
    correct: int = 0
    lapses: int = 0
    cards: dict = field(default_factory=lambda: {"new": 0, "learning": 0, "review": 0, "suspended": 0})
    last_activity: object = None

    @property
    def call(self) -> Call:
        return Call(self.state, self.answers, self.correct, self.mastery)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass
class Part:
    section: Section
    rows: list

    @property
    def mastered(self) -> int:
        return sum(1 for r in self.rows if r.state == MasteryState.MASTERED)


@dataclass
class Day:
    date: date
    count: int
    level: int  # 0-4, for the heatmap colour


@dataclass
class Week:
    start: date
    answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass
class Dashboard:
    parts: list
    weakest: list
    open_attempt: Attempt | None
    days: list  # Day, oldest first, exactly HEATMAP_DAYS
    current_streak: int
    longest_streak: int
    active_days: int
    due_today: object  # cards.queue.DueCounts
    forecast: list  # (date, count), FORECAST_DAYS
    retention: float | None
    retention_reviews: int
    card_states: dict
    weeks: list  # Week, oldest first
    totals: dict
    mastery_version: str = ""  # see mastery_version(): the cached mastery list's key
    activity_version: str = ""  # the study day and the year's DailyActivity rows: the activity charts' key

    @property
    def retention_percent(self) -> float | None:
        return None if self.retention is None else round(self.retention * 100, 1)


def mastery_rows(learner, outline: Outline) -> list[SectionRow]:
    """Every leaf section in document order with the learner's rollup (one query): the leaves come from the
    outline the caller holds (catalog.outline, read once per process and bank revision)."""
    rows = {s.pk: SectionRow(section=s) for s in outline.leaves}
    for section_id, *figures in SectionProgress.objects.filter(learner=learner).values_list(
            "section_id", "mastery", "state", "answers", "correct", "lapses", "last_activity"):
        row = rows.get(section_id)
        if row:
            row.mastery, row.state, row.answers, row.correct, row.lapses, row.last_activity = figures
    return list(rows.values())


def section_rows(learner, outline: Outline | None = None) -> list[SectionRow]:
    """`mastery_rows` with the learner's flashcards counted per section and state (two queries)."""
    rows = mastery_rows(learner, outline or bank_outline())
    by_pk = {row.section.pk: row for row in rows}
    started = Counter()
    states = (CardState.objects.filter(learner=learner, flashcard__status=Status.PUBLISHED)
              .values("flashcard__section_id", "state", "suspended").annotate(n=Count("pk")))
    for item in states:
        row = by_pk.get(item["flashcard__section_id"])
        if row is None:
            continue
        if item["suspended"]:
            bucket = "suspended"
        elif item["state"] == Phase.REVIEW:
            bucket = "review"
        elif item["state"] == Phase.NEW:
            bucket = "new"
        else:
            bucket = "learning"
        if bucket != "new":
            row.cards[bucket] += item["n"]
            started[row.section.pk] += item["n"]
    for pk, row in by_pk.items():
        row.cards["new"] = max(0, row.section.n_flashcards - started[pk])
    return rows


def mastery_version(rows: list[SectionRow]) -> str:
    """What the mastery list shows of the learner (each leaf's figures), digested: with the bank revision and
    the language, the key of its cached rendering."""
    return figures_digest([(r.section.pk, r.state, r.answers, r.correct, r.mastery) for r in rows])


def group_parts(rows: list[SectionRow]) -> list[Part]:
    parts: dict = {}
    for row in rows:
        top = row.section.top
        parts.setdefault(top.pk, Part(section=top, rows=[])).rows.append(row)
    return list(parts.values())


def weakest_sections(rows: list[SectionRow], n: int = 3) -> list[SectionRow]:
    """The sections to practise next: started but not mastered, lowest mastery first; then unstarted ones."""
    started = [r for r in rows if r.state == MasteryState.LEARNING]
    fresh = [r for r in rows if r.state == MasteryState.NOT_STARTED]
    return (sorted(started, key=lambda r: (r.mastery, r.section.order)) + fresh)[:n]


class ActivityDay(NamedTuple):
    """A DailyActivity row as the dashboard reads it (a tuple: up to a year of them on every render)."""

    day: date
    answers: int
    correct: int
    reviews: int
    recall_reviews: int
    recalled: int

    @property
    def activity(self) -> int:
        return self.answers + self.reviews


def activity_days(year: list[ActivityDay], today: date) -> list[Day]:
    first = today - timedelta(days=HEATMAP_DAYS - 1)
    counts = {a.day: a.activity for a in year}
    top = max(counts.values(), default=0)
    days = []
    for i in range(HEATMAP_DAYS):
        d = first + timedelta(days=i)
        c = counts.get(d, 0)
        level = 0 if c == 0 else min(4, 1 + int(3 * c / top)) if top else 0
        days.append(Day(date=d, count=c, level=level))
    return days


def streaks(days: list[Day]) -> tuple[int, int]:
    """(current, longest) runs of days with activity. The current streak survives a today with nothing yet."""
    longest = run = 0
    for d in days:
        run = run + 1 if d.count else 0
        longest = max(longest, run)
    current = 0
    for d in reversed(days[:-1] if days and not days[-1].count else days):
        if not d.count:
            break
        current += 1
    return current, longest


def due_forecast(learner, now) -> list[tuple[date, int]]:
    """Cards falling due on each of the next FORECAST_DAYS study days (today includes overdue ones)."""
    day = study_day(learner, now)
    horizon = day.end + timedelta(days=FORECAST_DAYS - 1)
    dues = CardState.objects.filter(
        learner=learner, suspended=False, flashcard__status=Status.PUBLISHED, due__lt=horizon
    ).exclude(state=Phase.NEW).values_list("due", flat=True)
    counts = Counter(max(0, (study_day(learner, d).date - day.date).days) for d in dues)
    return [(day.date + timedelta(days=i), counts.get(i, 0)) for i in range(FORECAST_DAYS)]


def weekly_accuracy(days_rows, today: date) -> list[Week]:
    monday = today - timedelta(days=today.weekday())
    weeks = [Week(start=monday - timedelta(weeks=ACCURACY_WEEKS - 1 - i), answers=0, correct=0)
             for i in range(ACCURACY_WEEKS)]
    first = weeks[0].start
    for a in days_rows:
        if a.day >= first:
            w = weeks[(a.day - first).days // 7]
            w.answers += a.answers
            w.correct += a.correct
    return weeks


def learner_dashboard(learner, now=None, *, outline: Outline | None = None) -> Dashboard:
    now = now or timezone.now()
    today = study_day(learner, now).date
    rows = section_rows(learner, outline)
    year = [ActivityDay(*row) for row in DailyActivity.objects.filter(
        learner=learner, day__gt=today - timedelta(days=HEATMAP_DAYS), day__lte=today,
    ).values_list(*ActivityDay._fields)]
    days = activity_days(year, today)
    current, longest = streaks(days)
    window = [a for a in year if a.day > today - timedelta(days=RETENTION_DAYS)]
    recall = sum(a.recall_reviews for a in window)
    card_states = Counter()
    for row in rows:
        card_states.update(row.cards)
    answers = sum(r.answers for r in rows)
    return Dashboard(
        parts=group_parts(rows),
        weakest=weakest_sections(rows),
        mastery_version=mastery_version(rows),
        activity_version=figures_digest((today, year)),
        open_attempt=Attempt.objects.open().filter(learner=learner).first(),
        days=days,
        current_streak=current,
        longest_streak=longest,
        active_days=sum(1 for d in days if d.count),
        due_today=counts_today(learner, scope_for(None), now),
        forecast=due_forecast(learner, now),
        retention=sum(a.recalled for a in window) / recall if recall else None,
        retention_reviews=recall,
        card_states=dict(card_states),
        weeks=weekly_accuracy(year, today),
        totals={
            "answers": answers,
            "correct": sum(r.correct for r in rows),
            "mastered": sum(1 for r in rows if r.state == MasteryState.MASTERED),
            "sections": len(rows),
        },
    )


def section_history(learner, section, now=None, weeks: int = 12) -> list[Week]:
    """A learner's weekly answers and accuracy in one section over the last `weeks` weeks (one query)."""
    today = study_day(learner, now or timezone.now()).date
    monday = today - timedelta(days=today.weekday())
    result = [Week(start=monday - timedelta(weeks=weeks - 1 - i), answers=0, correct=0) for i in range(weeks)]
    rows = SectionDay.objects.filter(learner=learner, section=section, day__gte=result[0].start).values_list(
        "day", "answers", "correct")
    for day, answers, correct in rows:
        w = result[(day - result[0].start).days // 7]
        w.answers += answers
        w.correct += correct
    return result


def section_record_context(learner, section) -> dict:
    """A learner's own record in one section as the section page shows it (progress/_section_history.html),
    chart drawn: the mastery call, flashcard reviews and answers per week. Two queries."""
    weeks = section_history(learner, section)
    return {
        "progress": SectionProgress.objects.filter(learner=learner, section=section).first(),
        "rows": charts.table_rows((w.start.isoformat(), w.answers, w.correct) for w in weeks if w.answers),
        "chart": charts.bars(
            [w.answers for w in weeks],
            [f"{w.start.isoformat()}: {w.answers}" for w in weeks], height=60, bar=18, axis_right=True,
        ),
    }


def dashboard_context(learner, *, viewer_is_learner: bool) -> dict:
    """A learner's dashboard page as its template shows it, charts drawn: for the learner's own page
    (progress) and for their teacher's view of it (classes), which show the same."""
    revision = bank_revision()  # before the outline: see catalog.models.bank_revision
    board = learner_dashboard(learner, outline=bank_outline(revision))
    return {
        "learner": learner,
        "board": board,
        "bank_revision": revision,
        "viewer_is_learner": viewer_is_learner,
        # Narrow bars: the 30 days fit a phone's width whole, without scrolling.
        "forecast_chart": charts.bars([n for _, n in board.forecast],
                                      [f"{d.isoformat()}: {n}" for d, n in board.forecast], bar=6, gap=2),
        "forecast_rows": charts.table_rows((d.isoformat(), n) for d, n in board.forecast if n),
        # The year's activity and the weekly accuracy are drawn only when their cached rendering (keyed by
        # board.activity_version) is missing: callables, which the template calls, once each (cache).
        "heatmap": functools.cache(lambda: charts.heatmap(board.days)),
        "accuracy_chart": functools.cache(lambda: charts.bars(
            [w.accuracy for w in board.weeks],
            [f"{w.start.isoformat()}: {'' if w.accuracy is None else round(w.accuracy * 100)}%" for w in board.weeks],
            maximum=1.0, show_zero=True, percent=True, axis_right=True,
        )),
        "day_rows": functools.cache(lambda: charts.table_rows(
            (d.date.isoformat(), d.count) for d in board.days if d.count)),
        "week_rows": functools.cache(lambda: charts.table_rows(
            (w.start.isoformat(), w.answers, f"{round(w.accuracy * 100)}%") for w in board.weeks if w.answers)),
    }


@dataclass
class Today:
    """What the Today page (a signed-in learner's home) shows of progress and flashcards."""

    cards: object  # cards.queue.DueCounts: due now and new today
    next_sections: list  # SectionRow: the sections to practise next (as the dashboard's "next" list)
    streak: int  # study days in a row, today included once it has activity
    done_today: int  # quiz answers and flashcard reviews on today's study day

    @property
    def cards_waiting(self) -> int:
        return self.cards.total


def learner_today(learner, now=None, *, next_sections: int = 3, outline: Outline | None = None) -> Today:
    """The Today page's figures, in a fixed number of queries whatever the history: today's cards (the daily
    queue's counts), the weakest sections (`weakest_sections`, the same call the dashboard makes, from the
    rollups of the quiz engine's mastery), and the streak and today's count from DailyActivity."""
    now = now or timezone.now()
    today = study_day(learner, now).date
    active = {day: answers + reviews for day, answers, reviews in DailyActivity.objects.filter(
        learner=learner, day__gt=today - timedelta(days=HEATMAP_DAYS), day__lte=today,
    ).values_list("day", "answers", "reviews") if answers + reviews}
    return Today(
        cards=counts_today(learner, scope_for(None), now),
        next_sections=weakest_sections(mastery_rows(learner, outline or bank_outline()), next_sections),
        streak=current_streak(active, today),
        done_today=active.get(today, 0),
    )


def current_streak(active, today: date) -> int:
    """streaks()' current run from the days with activity (a set or dict of dates), without drawing the
    year: the days in a row up to today, or up to yesterday while today has nothing yet."""
    day = today if today in active else today - timedelta(days=1)
    run = 0
    while day in active and run < HEATMAP_DAYS:
        run += 1
        day -= timedelta(days=1)
    return run
