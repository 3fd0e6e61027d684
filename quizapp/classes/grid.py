"""The class dashboard's grid: learners x studied sections, mastery in each cell, read from the progress
rollups with a fixed number of queries whatever the class's history."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Count, FloatField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from quizapp.progress.models import SectionProgress
from quizapp.quizzes.models import MasteryState

PER_PAGE = 50
IDLE_DAYS = 7
FALLING_BY = 0.15  # mastery this far below its peak in a section counts as falling


@dataclass
class Cell:
    mastery: float
    state: str
    answers: int
    falling: bool

    @property
    def percent(self) -> int:
        return round(self.mastery * 100)

    @property
    def band(self) -> int:
        """0 (nothing yet) to 4 (mastered), for the cell colour."""
        if self.state == MasteryState.MASTERED:
            return 4
        if self.state == MasteryState.NOT_STARTED:
            return 0
        return 1 + min(2, int(self.mastery * 3))


@dataclass
class Row:
    learner: object
    cells: list
    total: float
    last_activity: object
    reasons: list = field(default_factory=list)  # why the learner needs attention

    @property
    def total_percent(self) -> int:
        return round(self.total * 100)


@dataclass
class Column:
    section: object
    mean: float
    mastered: int

    @property
    def percent(self) -> int:
        return round(self.mean * 100)


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

    @property
    def class_percent(self) -> int:
        return round(self.class_mean * 100)


def _progress(section_ids):
    return SectionProgress.objects.filter(learner=OuterRef("learner"), section_id__in=section_ids)


def class_grid(classroom, *, sort: str = "name", descending: bool = False, page: int = 1,
               per_page: int = PER_PAGE, now=None) -> Grid:
    now = now or timezone.now()
    sections = list(classroom.studied_sections())
    ids = [s.pk for s in sections]
    n = len(ids) or 1
    total = Coalesce(
        Subquery(_progress(ids).values("learner").annotate(t=Sum("mastery")).values("t")[:1], output_field=FloatField()),
        Value(0.0),
    ) / n
    memberships = classroom.memberships.select_related("learner").annotate(
        total=total,
        last_activity=Subquery(
            SectionProgress.objects.filter(learner=OuterRef("learner")).values("learner")
            .annotate(t=Max("last_activity")).values("t")[:1]
        ),
    )
    by_key = {s.key: s for s in sections}
    if sort in by_key:
        memberships = memberships.annotate(sort_value=Coalesce(
            Subquery(_progress([by_key[sort].pk]).values("mastery")[:1], output_field=FloatField()), Value(0.0)))
        order = ["sort_value", "learner__username"]
    elif sort == "total":
        order = ["total", "learner__username"]
    else:
        sort, order = "name", ["learner__username"]
    if descending:
        order[0] = "-" + order[0]
    paginator = Paginator(memberships.order_by(*order), per_page)
    page_obj = paginator.get_page(page)
    learners = [m.learner for m in page_obj]

    cells = {
        (p.learner_id, p.section_id): p
        for p in SectionProgress.objects.filter(learner__in=learners, section_id__in=ids)
    }
    idle_since = now - timedelta(days=IDLE_DAYS)
    rows = []
    for m in page_obj:
        row_cells = []
        for s in sections:
            p = cells.get((m.learner_id, s.pk))
            row_cells.append(Cell(p.mastery, p.state, p.answers, p.mastery < p.mastery_peak - FALLING_BY) if p
                             else Cell(0.0, MasteryState.NOT_STARTED, 0, False))
        row = Row(learner=m.learner, cells=row_cells, total=m.total or 0.0, last_activity=m.last_activity)
        if m.last_activity is None or m.last_activity < idle_since:
            row.reasons.append("idle")
        if any(c.falling for c in row_cells):
            row.reasons.append("falling")
        rows.append(row)

    columns_data = {
        row["section_id"]: row for row in SectionProgress.objects.filter(
            learner__in=classroom.memberships.values("learner"), section_id__in=ids
        ).values("section_id").annotate(total=Sum("mastery"), mastered=Count("pk", filter=Q(state=MasteryState.MASTERED)))
    }
    count = paginator.count
    columns = [
        Column(s, (columns_data.get(s.pk, {}).get("total") or 0.0) / count if count else 0.0,
               columns_data.get(s.pk, {}).get("mastered", 0))
        for s in sections
    ]
    class_mean = sum(c.mean for c in columns) / len(columns) if columns else 0.0
    return Grid(sections=sections, rows=rows, columns=columns, page=page_obj, sort=sort, descending=descending,
                class_mean=class_mean, learners=count)
