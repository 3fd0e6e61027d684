from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from . import charts
from .dashboard import learner_dashboard


def dashboard_context(learner, *, viewer_is_learner: bool) -> dict:
    board = learner_dashboard(learner)
    return {
        "learner": learner,
        "board": board,
        "viewer_is_learner": viewer_is_learner,
        "heatmap": charts.heatmap(board.days),
        "forecast_chart": charts.bars([n for _, n in board.forecast],
                                      [f"{d.isoformat()}: {n}" for d, n in board.forecast]),
        "accuracy_chart": charts.bars(
            [w.accuracy for w in board.weeks],
            [f"{w.start.isoformat()}: {'' if w.accuracy is None else round(w.accuracy * 100)}%" for w in board.weeks],
            maximum=1.0, show_zero=True,
        ),
        "forecast_rows": charts.table_rows((d.isoformat(), n) for d, n in board.forecast if n),
        "day_rows": charts.table_rows((d.date.isoformat(), d.count) for d in board.days if d.count),
        "week_rows": charts.table_rows((w.start.isoformat(), w.answers, f"{round(w.accuracy * 100)}%")
                                       for w in board.weeks if w.answers),
    }


@login_required
@require_safe
def my_progress(request):
    return TemplateResponse(request, "progress/dashboard.html", dashboard_context(request.user, viewer_is_learner=True))
