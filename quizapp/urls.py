from django.contrib import admin
from django.urls import include, path

from quizapp.catalog import views as catalog_views

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("", include("quizapp.catalog.urls")),
    path("accounts/", include("quizapp.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
