from django import template

from quizapp.progress import charts
from quizapp.progress.dashboard import section_history as weekly_history
from quizapp.progress.models import SectionProgress

register = template.Library()


@register.simple_tag
def chart(chart, title_id, css):
    """`{% chart chart "title-id" "css classes" %}`: a chart as SVG (see progress.charts)."""
    return chart.svg(title_id, css)


@register.inclusion_tag("progress/_section_history.html")
def section_history(user, section):
    """A learner's own record in one section, for the section page (nothing for visitors)."""
    if not user.is_authenticated:
        return {"show": False}
    weeks = weekly_history(user, section)
    progress = SectionProgress.objects.filter(learner=user, section=section).first()
    return {
        "show": True,
        "progress": progress,
        "rows": charts.table_rows((w.start.isoformat(), w.answers, w.correct) for w in weeks if w.answers),
        "chart": charts.bars(
            [w.answers for w in weeks],
            [f"{w.start.isoformat()}: {w.answers}" for w in weeks], height=60, bar=18,
        ),
    }
