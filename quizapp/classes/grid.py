"""The class dashboard's grid: learners x studied sections, each cell the learner's mastery call in the
section with its evidence (right answers/answers; see quizzes.mastery.Call), read from the progress rollups
with a fixed number of queries whatever the class's history.

A learner needs attention (a row's `reasons`) when
- "idle": nothing answered or reviewed for IDLE_DAYS, counted from the later of their last activity and
  their joining the class, so a learner who joined yesterday is not idle for work done before or not yet
  done; "not_started" is the same for a member of IDLE_DAYS or more who has never been active;
- "falling": in some section their mastery is more than FALLING_BY below `SectionProgress.mastery_peak`,
  the best mastery they started a study day's work in that section with (the mastery their quiz began
  with, on the day's first answer in the section; see progress.rollups). A study day is a session: what a
  learner gains and loses within it is the engine settling, not a decline, so a first quiz never makes a
  section fall, and a day that ends below where an earlier one began does. It costs nothing to read: the
  rollup keeps the figure, in the index the grid's cells come from.
A member who has never been active and joined less than IDLE_DAYS ago is `new`: not started yet, which is
no cause for attention.

Sections are numbered as in the course outline ("2.1": the second part's first section), so a header can be
its number, with the title in an <abbr> and in the legend: Chinese titles never lie sideways or get cut.
A column's figures are over the learners who started the section (answered in it), with their number: a
learner who has not begun is not a zero in the mean."""

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.core.paginator import Paginator
from django.db.models import (Avg, Count, F, FloatField, IntegerField, Max, OuterRef, Subquery, Sum,
                              Value)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from quizapp.accounts.models import display_name_expression
from quizapp.catalog.outline import bank_outline
from quizapp.progress.models import SectionProgress
from quizapp.quizzes.mastery import Call
from quizapp.quizzes.models import MasteryState

PER_PAGE = 50
IDLE_DAYS = 7  # the messages say 7 days (reason_labels, the legend)
FALLING_BY = 0.15  # mastery more than this below the best level a study day began with counts as falling


class Cell(NamedTuple):
    """One learner's mastery in one section. A tuple, not a dataclass: a page of the grid builds thousands."""

    mastery: float  # the engine's estimated probability that the section is mastered; orders and colours only
    state: str
    falling: bool
    answers: int = 0
    right: int = 0

    @property
    def call(self) -> Call:
        return Call(self.state, self.answers, self.right, self.mastery)

    @property
    def band(self) -> int:
        """0 (nothing yet) to 3 (mastered), for the cell colour: the call's band (quizzes.mastery)."""
        return self.call.band


@functools.lru_cache(maxsize=8)
def _cell_marks(language: str) -> tuple[str, str, str]:
    """The marks a cell may carry, in `language`: made once, not once a row (a page has up to 50)."""
    mark = '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>'
    # The state in words too, not by colour alone (a tick on screen; read out by screen readers).
    return (format_html(mark, "↓", gettext("falling")), format_html(mark, "✓", gettext("mastered")),
            format_html(mark, "–", gettext("not started")))


@dataclass
class Row:
    learner: object
    cells: list
    total: float
    last_activity: object
    reasons: list = field(default_factory=list)  # why they need attention: "idle", "not_started", "falling"
    new: bool = False  # joined less than IDLE_DAYS ago and not active yet

    @property
    def answers(self) -> int:
        """Answers in the sections shown (the grid's columns)."""
        return sum(c.answers for c in self.cells)

    @property
    def reason_labels(self) -> list:
        labels = {"idle": gettext("No activity for 7 days"),
                  "not_started": gettext("Not started 7 days after joining"),
                  "falling": gettext("Mastery falling")}
        return [labels[r] for r in self.reasons]

    @property
    def mastered(self) -> int:
        return sum(1 for c in self.cells if c.state == MasteryState.MASTERED)

    @property
    def cells_html(self):
        """The row's cells as HTML. Built here rather than in a template loop: a page of the grid has
        thousands of cells, and the template engine's per-cell lookups were most of its rendering time.
        A cell shows the evidence (right answers/answers) and the call: a tick for mastered, a dash for not
        started, in text as well as colour; never the estimate (quizzes.mastery says why)."""
        falling, mastered, not_started = _cell_marks(get_language())
        parts = []
        for c in self.cells:
            band = c.band
            if band == 0:
                text = not_started
            else:
                text = f"{c.right}/{c.answers}{mastered if band == 3 else ''}"
            parts.append(f'<td class="m{band}">{text}{falling if c.falling else ""}</td>')
        return mark_safe("".join(parts))


@dataclass
class Column:
    section: object
    mean: float  # the engine's mean estimate over the learners who started: orders only, never printed
    mastered: int
    started: int = 0  # learners of the class who answered in the section
    right_share: float | None = None  # mean over those learners of their right answers / answers

    @property
    def number(self) -> str:
        return self.section.number


@dataclass
class Grid:
    sections: list
    rows: list
    columns: list
    page: object
    sort: str
    descending: bool
    class_mean: float
    learners: int
    parts: list = field(default_factory=list)  # the parts (top-level sections) the class studies, numbered
    part: object = None  # the part the grid is filtered to, or None for every studied section

    @property
    def mastered(self) -> int:
        """(Learner, section) pairs mastered over the whole class, from the class's own totals."""
        return sum(c.mastered for c in self.columns)

    @property
    def pairs(self) -> int:
        return self.learners * len(self.sections)


def _progress(section_ids):
    return SectionProgress.objects.filter(learner=OuterRef("learner"), section_id__in=section_ids)




SORTS = ("name", "total", "last", "answers")  # besides a section's key


def class_grid(classroom, *, sort: str = "name", descending: bool = False, page: int = 1,
               per_page: int = PER_PAGE, now=None, part: str | None = None) -> Grid:
    """One page of the grid, over the studied sections of one part (its key) or of all. Only a sort by a
    figure (total, last active, answers, a section) needs it for every learner of the class (a subquery per
    membership on the rollup's (learner, section) index); everything shown is read for the page's learners
    only, so the cost follows the class size and the page, never the history."""
    now = now or timezone.now()
    # The course outline, numbered ("2", "2.1"), as this process holds it for the bank's revision; the
    # studied leaves picked from it as Classroom.studied_sections picks them, in course order.
    outline = bank_outline()
    chosen = classroom.sections.values_list("pk", flat=True)
    sections = sorted(outline.leaves_under(chosen), key=lambda s: (s.order, s.pk))
    studied_tops = {s.top_id for s in sections}
    parts = [top for top in outline.tops if top.pk in studied_tops]
    chosen_part = next((p for p in parts if p.key == part), None)
    if chosen_part is not None:
        sections = [s for s in sections if s.top_id == chosen_part.pk]
    ids = [s.pk for s in sections]
    n = len(ids) or 1
    # Learners sort by the name the grid shows them by (an LMS account's name, not its hashed username).
    memberships = classroom.memberships.select_related("learner").annotate(
        learner_name=display_name_expression("learner__"))
    by_key = {s.key: s for s in sections}
    if sort in by_key:
        memberships = memberships.annotate(sort_value=Coalesce(
            Subquery(_progress([by_key[sort].pk]).values("mastery")[:1], output_field=FloatField()), Value(0.0)))
        order = ["sort_value", "learner_name"]
    elif sort == "total":
        # By sections mastered (what the column shows), then by the estimates: who is nearest the next one.
        memberships = memberships.annotate(sort_value=Coalesce(
            Subquery(_progress(ids).filter(state=MasteryState.MASTERED).values("learner")
                     .annotate(t=Count("pk")).values("t")[:1], output_field=IntegerField()),
            Value(0),
        ), sort_tiebreak=Coalesce(
            Subquery(_progress(ids).values("learner").annotate(t=Sum("mastery")).values("t")[:1],
                     output_field=FloatField()),
            Value(0.0),
        ))
        order = ["sort_value", "sort_tiebreak", "learner_name"]
    elif sort == "answers":
        memberships = memberships.annotate(sort_value=Coalesce(
            Subquery(_progress(ids).values("learner").annotate(t=Sum("answers")).values("t")[:1],
                     output_field=IntegerField()), Value(0)))
        order = ["sort_value", "learner_name"]
    elif sort == "last":
        # Last active in any section, as the column shows; never active sorts as the least recent.
        memberships = memberships.annotate(sort_value=Subquery(
            SectionProgress.objects.filter(learner=OuterRef("learner")).values("learner")
            .annotate(t=Max("last_activity")).values("t")[:1]))
        order = ["sort_value", "learner_name"]
    else:
        sort, order = "name", ["learner_name"]
    # The figures turn round when descending; learners with equal figures stay in name order. A learner
    # never active (no last-active figure) is the least recent either way round.
    figures, tiebreak = (order[:-1], order[-1:]) if len(order) > 1 else (order, [])
    order = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_first=True) for f in figures] + tiebreak
    paginator = Paginator(memberships.order_by(*order), per_page)
    page_obj = paginator.get_page(page)
    learners = [m.learner for m in page_obj]

    # Plain tuples, not model instances: a full page has a row for each of its thousands of cells.
    cells = {
        (learner_id, section_id): Cell(mastery, state, mastery < peak - FALLING_BY, answers, right)
        for learner_id, section_id, mastery, peak, state, answers, right in SectionProgress.objects.filter(
            learner__in=learners, section_id__in=ids).values_list(
            "learner_id", "section_id", "mastery", "mastery_peak", "state", "answers", "correct")
    }
    not_started = Cell(0.0, MasteryState.NOT_STARTED, False)
    last_activity = dict(
        SectionProgress.objects.filter(learner__in=learners).values("learner")
        .annotate(t=Max("last_activity")).values_list("learner", "t")
    )
    idle_since = now - timedelta(days=IDLE_DAYS)
    rows = []
    for m in page_obj:
        row_cells = [cells.get((m.learner_id, section_id), not_started) for section_id in ids]
        last = last_activity.get(m.learner_id)
        row = Row(learner=m.learner, cells=row_cells, total=sum(c.mastery for c in row_cells) / n, last_activity=last)
        active_since = max(last, m.joined_at) if last else m.joined_at  # idleness counts from joining
        if active_since < idle_since:
            row.reasons.append("idle" if last else "not_started")
        elif last is None:
            row.new = True
        if any(c.falling for c in row_cells):
            row.reasons.append("falling")
        rows.append(row)

    # Column figures over the whole class: who mastered it from the class's own rollup (one row per
    # section); who started it, and their means, from the members' progress rows (one per learner and
    # section, so it follows the class size, never the history).
    columns_data = {t.section_id: t for t in classroom.section_totals.filter(section_id__in=ids)}
    started_data = {
        r["section_id"]: r for r in SectionProgress.objects.filter(
            section_id__in=ids, answers__gt=0,
            learner__in=classroom.memberships.values("learner")).values("section_id").annotate(
            started=Count("pk"), mean=Avg("mastery"),
            right_share=Avg(Cast("correct", FloatField()) / Cast("answers", FloatField())))
    }
    count = paginator.count
    columns = []
    for s in sections:
        total = columns_data.get(s.pk)
        begun = started_data.get(s.pk, {})
        columns.append(Column(s, begun.get("mean") or 0.0, total.mastered if total else 0,
                              begun.get("started", 0), begun.get("right_share")))
    started = [c for c in columns if c.started]
    class_mean = sum(c.mean for c in started) / len(started) if started else 0.0
    return Grid(sections=sections, rows=rows, columns=columns, page=page_obj, sort=sort, descending=descending,
                class_mean=class_mean, learners=count, parts=parts, part=chosen_part)
