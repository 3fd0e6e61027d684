from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .dashboard import dashboard_context


@login_required
@require_safe
def my_progress(request):
    return TemplateResponse(request, "progress/dashboard.html", dashboard_context(request.user, viewer_is_learner=True))
