from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from quizapp.catalog import views as catalog_views


def health(request):
    """Liveness for load balancers, and the bare-view baseline of the load benchmark: no database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("", include("quizapp.catalog.urls")),
    path("quiz/", include("quizapp.quizzes.urls")),
    path("cards/", include("quizapp.cards.urls")),
    path("progress/", include("quizapp.progress.urls")),
    path("classes/", include("quizapp.classes.urls")),
    path("accounts/", include("quizapp.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]
