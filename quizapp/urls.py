from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path, register_converter
from django.views.decorators.http import require_safe

from quizapp import overload, pages
from quizapp.whole_numbers import IdConverter

# Before the apps' URL patterns are read (include() imports them): they name row ids `<id:...>`.
register_converter(IdConverter, "id")


@require_safe
def health(request):
    """Liveness for load balancers, and the bare-view baseline of the load benchmark: no database."""
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception):
    """Django's 400 page; for an htmx request only its message, which the page swaps in like the app's own
    refusals (a whole page inside the quiz would repeat the header and menu). A session that could not be
    saved because the database was busy is a 503 with Retry-After (quizapp/overload.py), not a 400."""
    if overload.database_busy(exception):
        return overload.busy_response(request)
    template = "400.html#problem" if getattr(request, "htmx", False) else "400.html"
    return TemplateResponse(request, template, status=400).render()


handler400 = bad_request
handler500 = "quizapp.overload.server_error"  # a busy database is a 503 with Retry-After, not a 500

urlpatterns = [
    path("", pages.home, name="home"),
    # A section's page keeps its name `catalog:section` (Section.get_absolute_url), though its view is in
    # quizapp.pages: it shows the learner's record too, which catalog may not import.
    path("", include(([path("sections/<slug:key>/", pages.section_detail, name="section")], "catalog"))),
    path("quiz/", include("quizapp.quizzes.urls")),
    path("cards/", include("quizapp.cards.urls")),
    path("progress/", include("quizapp.progress.urls")),
    path("classes/", include("quizapp.classes.urls")),
    path("accounts/", include("quizapp.accounts.urls")),
    path("lti/", include("quizapp.lti.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]
