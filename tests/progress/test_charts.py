"""The learner dashboard's charts and their tables, now built in Python (progress.charts): escaped, never
localised, and listing exactly what the charts show."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from quizapp.accounts.study_days import study_day
from quizapp.catalog.models import Section
from quizapp.progress import charts
from quizapp.progress.models import DailyActivity, SectionDay, SectionProgress

SCRIPT = "<script>alert(1)</script>"


def _render_chart(chart, title_id="t", css="bars"):
    return Template('{% load progress_tags %}{% chart chart title_id css %}').render(
        Context({"chart": chart, "title_id": title_id, "css": css}))


def _tbody_after(html, marker):
    """The <tbody> of the first table after `marker`, as a list of rows of cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", html[html.index(marker):], re.S).group(1)
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_chart_label_with_a_script_tag_is_escaped():
    html = _render_chart(charts.bars([1, 2], ["2026-01-05: 1", f"{SCRIPT}: 2"]))
    assert SCRIPT not in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;: 2</title>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</text>" in html  # the latest bar's tick (before the colon)


def test_the_chart_tags_title_id_and_css_are_escaped():
    html = _render_chart(charts.bars([1], ["a"]), title_id='x" onload="alert(1)', css="<b>")
    assert 'onload="alert' not in html and "<b>" not in html


def test_table_cells_are_escaped():
    assert str(charts.table_rows([(SCRIPT, 3)])) == (
        "<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>3</td></tr>")


@override_settings(USE_THOUSAND_SEPARATOR=True)
@pytest.mark.parametrize("language", ["zh-hans", "en", "de"])
def test_svg_numbers_are_never_localised(language):
    chart = charts.Chart(1800, 20.5, [charts.Rect(1.5, 2.5, 1200, 4, 1, "x")], [(1234, 3.5, "t")])
    with translation.override(language):
        html = _render_chart(chart)
    assert 'viewBox="0 -2 1800 20.5" width="1800" height="20.5"' in html
    assert '<rect x="1.5" y="2.5" width="1200" height="4"' in html
    assert '<text x="1234" y="3.5"' in html


@pytest.fixture
def today(learner):
    return study_day(learner).date


def test_the_activity_table_lists_exactly_the_active_days(client, learner, today):
    DailyActivity.objects.create(learner=learner, day=today, answers=3, correct=2, reviews=2)
    DailyActivity.objects.create(learner=learner, day=today - timedelta(days=7), reviews=1)
    DailyActivity.objects.create(learner=learner, day=today - timedelta(days=30), study_ms=100)  # nothing done
    DailyActivity.objects.create(learner=learner, day=today - timedelta(days=400), answers=9)  # over a year ago
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    assert _tbody_after(html, 'id="heatmap-title"') == [
        [(today - timedelta(days=7)).isoformat(), "1"],
        [today.isoformat(), "5"],
    ]
    assert f"<title>{today.isoformat()}: 5</title>" in html


def test_the_accuracy_table_lists_weeks_with_answers(client, learner, today):
    DailyActivity.objects.create(learner=learner, day=today, answers=4, correct=3)
    DailyActivity.objects.create(learner=learner, day=today - timedelta(days=14), reviews=5)  # no answers
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    monday = today - timedelta(days=today.weekday())
    assert _tbody_after(html, 'id="accuracy-title"') == [[monday.isoformat(), "4", "75%"]]
    forecast = html[html.index('id="forecast-title"'):html.index('id="activity-heading"')]
    assert "<tbody>" not in forecast and "未来 30 天没有到期的复习" in forecast  # no cards due: a sentence, not a chart


def test_the_accuracy_table_and_chart_agree_on_a_weeks_percentage(client, learner, today):
    DailyActivity.objects.create(learner=learner, day=today, answers=40, correct=23)
    client.force_login(learner)
    html = client.get(reverse("progress:dashboard")).content.decode()
    monday = today - timedelta(days=today.weekday())
    [[_, _, in_table]] = _tbody_after(html, 'id="accuracy-title"')
    in_chart = re.search(rf"<title>{monday.isoformat()}: (\d+%)</title>", html).group(1)
    assert in_table == in_chart


def test_the_section_pages_table_lists_weeks_with_answers(client, learner, starter_bank, today):
    section = Section.objects.leaves().order_by("order").first()
    SectionProgress.objects.create(learner=learner, section=section, answers=5, correct=4)
    SectionDay.objects.create(learner=learner, section=section, day=today, answers=3, correct=2)
    SectionDay.objects.create(learner=learner, section=section, day=today - timedelta(days=21), answers=2, correct=2)
    client.force_login(learner)
    html = client.get(section.get_absolute_url()).content.decode()
    monday = today - timedelta(days=today.weekday())
    assert _tbody_after(html, 'id="history-chart-title"') == [
        [(monday - timedelta(weeks=3)).isoformat(), "2", "2"],
        [monday.isoformat(), "3", "2"],
    ]
    assert '<svg class="chart bars"' in html and 'aria-labelledby="history-chart-title"' in html


def test_date_labels_do_not_overlap_and_the_latest_bar_is_labelled():
    labels = [f"2026-{m:02d}-01: {m}" for m in range(1, 13)]
    chart = charts.bars(list(range(12)), labels, bar=18)
    centres = [x for x, _, _, _ in chart.ticks]
    last_bar = chart.rects[-1]
    assert centres[-1] == last_bar.x + last_bar.width / 2 and chart.ticks[-1][2] == "12-01"
    assert all(b - a >= len("12-01") * charts.TICK_CHAR for a, b in zip(centres, centres[1:]))
    assert chart.width >= centres[-1] + len("12-01") * charts.TICK_CHAR / 2  # the last label is not cut


def test_the_value_axis_is_labelled_with_round_numbers_or_percentages():
    counts = charts.bars([3, 7, 0], ["2026-01-01: 3", "2026-01-02: 7", "2026-01-03: 0"])
    assert [text for _, _, text, _ in counts.values] == ["0", "5", "10"]
    shares = charts.bars([0.5, 1.0], ["w1: 50%", "w2: 100%"], maximum=1.0, percent=True, axis_right=True)
    assert [text for _, _, text, _ in shares.values] == ["0%", "50%", "100%"]
    assert all(x > shares.rects[-1].x for x, _, _, _ in shares.values)  # beside the latest bars
    assert len(counts.lines) == 3


def test_the_heatmap_legend_says_which_counts_each_colour_stands_for():
    assert charts.heatmap_legend([0, 1, 2, 5, 9, 0], [0, 1, 1, 2, 4, 0]) == [(0, "0"), (1, "1–2"), (2, "5"), (4, "9")]


def test_a_week_with_no_right_answers_is_a_bar_not_a_gap():
    chart = charts.bars([0.0, None, 0.5], ["w1: 0%", "w2: %", "w3: 50%"], maximum=1.0, show_zero=True)
    assert [r.height > 0 for r in chart.rects] == [True, False, True]
    assert charts.bars([0, 3], ["d1: 0", "d2: 3"]).rects[0].height == 0  # no cards due stays empty
