"""Server-rendered SVG charts, and the rows of the table that goes beside each one for screen readers and for
anyone who prefers numbers.

The markup is built here, not in a template: the year's heatmap alone is 365 rectangles of six values, and
the template engine's per-value lookups were most of the learner dashboard's rendering time."""

from dataclasses import dataclass

from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe

CELL = 12
GAP = 3
TICK_CHAR = 6


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    level: int = 0
    label: str = ""


@dataclass
class Chart:
    width: int
    height: int
    rects: list
    ticks: list  # (x, y, text)

    def svg(self, title_id: str, css: str) -> SafeString:
        """The chart as an <svg> image labelled by the element `title_id`; each bar or day has a <title>."""
        parts = [
            f'<svg class="chart {escape(css)}" viewBox="0 -2 {self.width} {self.height}" width="{self.width}" '
            f'height="{self.height}" role="img" aria-labelledby="{escape(title_id)}" '
            f'preserveAspectRatio="xMinYMin meet">'
        ]
        parts.extend(
            f'<rect x="{r.x}" y="{r.y}" width="{r.width}" height="{r.height}" rx="2" class="lvl{r.level}">'
            f"<title>{escape(r.label)}</title></rect>"
            for r in self.rects
        )
        parts.extend(f'<text x="{x}" y="{y}" class="tick">{escape(text)}</text>' for x, y, text in self.ticks)
        parts.append("</svg>")
        return mark_safe("".join(parts))


def table_rows(rows) -> SafeString:
    """<tr> rows of plain cells (dates as ISO strings, numbers), escaped, for a chart's table."""
    return mark_safe("".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    ))


def heatmap(days) -> Chart:
    """Days as a calendar: a column per week (Monday at the top), as GitHub and Anki's heatmap add-on draw it."""
    if not days:
        return Chart(0, 0, [], [])
    offset = days[0].date.weekday()
    rects, ticks, last_month = [], [], None
    top = 16
    for i, d in enumerate(days):
        col, row = divmod(i + offset, 7)
        x, y = col * (CELL + GAP), top + row * (CELL + GAP)
        rects.append(Rect(x, y, CELL, CELL, d.level, f"{d.date.isoformat()}: {d.count}"))
        if d.date.month != last_month and row == 0:
            ticks.append((x, 11, str(d.date.month)))
            last_month = d.date.month
    columns = (len(days) + offset + 6) // 7
    return Chart(columns * (CELL + GAP), top + 7 * (CELL + GAP), rects, ticks)


def bars(values, labels, *, height: int = 120, bar: int = 14, gap: int = 4, maximum=None,
         show_zero: bool = False) -> Chart:
    """A plain bar chart; `values` may hold None for 'no data' (drawn as nothing). A zero is drawn as a
    sliver when `show_zero` (0% right is data, unlike 0 cards due)."""
    top = maximum if maximum is not None else max([v for v in values if v is not None] or [0]) or 1
    rects, ticks = [], []
    for i, (value, label) in enumerate(zip(values, labels)):
        x = i * (bar + gap)
        drawn = value is not None and (value or show_zero)
        h = max(2, round(height * value / top)) if drawn else 0
        rects.append(Rect(x, height - h, bar, h, 1 if drawn else 0, label))
    # Date labels far enough apart not to overlap, counted back from the latest bar, which always has one.
    widest = max((len(label.split(":")[0]) for label in labels), default=0) * TICK_CHAR + 8
    every = max(1, -(-widest // (bar + gap)))
    for i in range(len(labels) - 1, -1, -every):
        ticks.append((i * (bar + gap), height + 14, labels[i].split(":")[0]))
    ticks.reverse()
    # Wide enough for the last tick's label too (10 px text, at most TICK_CHAR px a character).
    width = max([len(values) * (bar + gap)] + [x + TICK_CHAR * len(text) for x, _, text in ticks])
    return Chart(width, height + 18, rects, ticks)
