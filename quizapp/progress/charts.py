"""Geometry for the server-rendered SVG charts (templates/progress/_charts.html draws them). Every chart
also has a table beside it for screen readers and for anyone who prefers numbers."""

from dataclasses import dataclass

CELL = 12
GAP = 3


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


def bars(values, labels, *, height: int = 120, bar: int = 14, gap: int = 4, maximum=None) -> Chart:
    """A plain bar chart; `values` may hold None for 'no data' (drawn as nothing)."""
    top = maximum if maximum is not None else max([v for v in values if v is not None] or [0]) or 1
    rects, ticks = [], []
    for i, (value, label) in enumerate(zip(values, labels)):
        x = i * (bar + gap)
        h = 0 if not value else max(2, round(height * value / top))
        rects.append(Rect(x, height - h, bar, h, 1 if value else 0, label))
    every = max(1, len(values) // 6)
    for i, label in enumerate(labels):
        if i % every == 0:
            ticks.append((i * (bar + gap), height + 14, label.split(":")[0]))
    return Chart(len(values) * (bar + gap), height + 18, rects, ticks)
