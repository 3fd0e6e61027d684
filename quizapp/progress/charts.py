"""Server-rendered SVG charts, and the rows of the table that goes beside each one for screen readers and for
anyone who prefers numbers.

The markup is built here, not in a template: the year's heatmap alone is 365 rectangles of six values, and
the template engine's per-value lookups were most of the learner dashboard's rendering time."""

import math
from dataclasses import dataclass, field

from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

CELL = 12
GAP = 3
TICK_CHAR = 6  # the widest a character of a 10 px label is drawn, in px
VALUE_AXIS = 34  # room for the value labels ("100%") beside a bar chart
WEEKDAY_WIDTH = 28  # room for the weekday names at the left of the heatmap


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
    ticks: list  # (x, y, text) or (x, y, text, anchor): the date or month labels
    values: list = field(default_factory=list)  # (x, y, text, anchor): the value axis's labels
    lines: list = field(default_factory=list)  # (x1, y1, x2, y2): the value axis's grid lines
    legend: list = field(default_factory=list)  # (level, text): what each colour of a heatmap counts

    def svg(self, title_id: str, css: str) -> SafeString:
        """The chart as an <svg> image labelled by the element `title_id`; each bar or day has a <title>."""
        parts = [
            f'<svg class="chart {escape(css)}" viewBox="0 -2 {self.width} {self.height}" width="{self.width}" '
            f'height="{self.height}" role="img" aria-labelledby="{escape(title_id)}" '
            f'preserveAspectRatio="xMinYMin meet">'
        ]
        parts.extend(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" class="grid"/>' for x1, y1, x2, y2 in self.lines)
        parts.extend(
            f'<rect x="{r.x}" y="{r.y}" width="{r.width}" height="{r.height}" rx="2" class="lvl{r.level}">'
            f"<title>{escape(r.label)}</title></rect>"
            for r in self.rects
        )
        for x, y, text, *anchor in list(self.ticks) + list(self.values):
            at = f' text-anchor="{anchor[0]}"' if anchor and anchor[0] != "start" else ""
            parts.append(f'<text x="{x}" y="{y}" class="tick"{at}>{escape(text)}</text>')
        parts.append("</svg>")
        return mark_safe("".join(parts))


def table_rows(rows) -> SafeString:
    """<tr> rows of plain cells (dates as ISO strings, numbers), escaped, for a chart's table."""
    return mark_safe("".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    ))


def heatmap(days) -> Chart:
    """Days as a calendar: a column per week (Monday at the top), as GitHub and Anki's heatmap add-on draw it,
    with the month above its first week and Monday, Wednesday and Friday named at the left. The legend says
    which counts each colour stands for (dashboard.activity_days: four levels up to the busiest day)."""
    if not days:
        return Chart(0, 0, [], [])
    offset = days[0].date.weekday()
    rects, ticks, last_month = [], [], None
    top, left = 16, WEEKDAY_WIDTH
    for i, d in enumerate(days):
        col, row = divmod(i + offset, 7)
        x, y = left + col * (CELL + GAP), top + row * (CELL + GAP)
        rects.append(Rect(x, y, CELL, CELL, d.level, f"{d.date.isoformat()}: {d.count}"))
        if d.date.month != last_month and row == 0:
            ticks.append((x, 11, str(d.date.month)))
            last_month = d.date.month
    for row, name in ((0, pgettext("weekday, short", "Mon")), (2, pgettext("weekday, short", "Wed")),
                      (4, pgettext("weekday, short", "Fri"))):
        ticks.append((left - 4, top + row * (CELL + GAP) + CELL - 2, name, "end"))
    columns = (len(days) + offset + 6) // 7
    return Chart(left + columns * (CELL + GAP), top + 7 * (CELL + GAP), rects, ticks,
                 legend=heatmap_legend([d.count for d in days], [d.level for d in days]))


def heatmap_legend(counts, levels) -> list:
    """(level, counts in words) for each colour, from the days drawn: '0', '1–3', ..., the busiest day's."""
    spans = {}
    for count, level in zip(counts, levels):
        low, high = spans.get(level, (count, count))
        spans[level] = (min(low, count), max(high, count))
    legend = []
    for level in range(5):
        if level not in spans:
            continue
        low, high = spans[level]
        legend.append((level, str(low) if low == high else f"{low}–{high}"))
    return legend


def axis_step(top: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) with two steps reaching at least `top`."""
    if top <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(top / 2))
    for factor in (1, 2, 5, 10):
        if factor * magnitude * 2 >= top:
            return max(factor * magnitude, 1) if top >= 1 else factor * magnitude
    return 10 * magnitude


def short_date(text: str) -> str:
    """'2026-05-04' -> '05-04': the year is in each bar's title and the table; the axis needs the day."""
    return text[5:] if len(text) == 10 and text[4] == "-" and text[7] == "-" else text


def bars(values, labels, *, height: int = 120, bar: int = 14, gap: int = 4, maximum=None,
         show_zero: bool = False, percent: bool = False, axis_right: bool = False) -> Chart:
    """A bar chart with a value axis (0, its middle and its top, with grid lines) and a date under every few
    bars. `values` may hold None for 'no data' (drawn as nothing). A zero is drawn as a sliver when
    `show_zero` (0% right is data, unlike 0 cards due). `percent`: values are shares of 1, labelled in %.
    `axis_right`: the values are labelled at the right, beside the latest bars (charts opening at their end).

    The date labels are centred under their bars, counted back from the latest bar, which always has one,
    and far enough apart not to overlap; the chart is wide enough for the last of them."""
    highest = max([v for v in values if v is not None] or [0])
    if maximum is None:
        step = axis_step(highest or 1)
        top = step * 2
    else:
        top, step = maximum, maximum / 2
    pad_top, pad_bottom = 6, 20
    axis = VALUE_AXIS
    x0 = 0 if axis_right else axis
    plot = len(values) * (bar + gap)
    rects, ticks = [], []
    for i, (value, label) in enumerate(zip(values, labels)):
        x = x0 + i * (bar + gap)
        drawn = value is not None and (value or show_zero)
        h = max(2, round(height * value / top)) if drawn else 0
        rects.append(Rect(x, pad_top + height - h, bar, h, 1 if drawn else 0, label))
    texts = [short_date(label.split(":")[0]) for label in labels]
    widest = max((len(t) for t in texts), default=0) * TICK_CHAR + 8
    every = max(1, -(-widest // (bar + gap)))
    for i in range(len(labels) - 1, -1, -every):
        ticks.append((x0 + i * (bar + gap) + bar / 2, pad_top + height + 14, texts[i], "middle"))
    ticks.reverse()
    plot_end = x0 + plot - gap
    width = max(plot_end + (axis if axis_right else 0),
                max((x + TICK_CHAR * len(t) / 2 + 2 for x, _, t, _ in ticks), default=0))
    lines, values_text = [], []
    for k in range(3):
        value = step * k
        y = pad_top + height - round(height * value / top)
        lines.append((x0, y, plot_end, y))
        text = f"{round(value * 100)}%" if percent else (f"{value:g}")
        if axis_right:
            values_text.append((plot_end + 4, y + 3.5, text, "start"))
        else:
            values_text.append((axis - 4, y + 3.5, text, "end"))
    return Chart(math.ceil(width), pad_top + height + pad_bottom, rects, ticks, values_text, lines)
