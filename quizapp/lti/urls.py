from django.urls import path

from . import views

app_name = "lti"

urlpatterns = [
    path("login/", views.oidc_login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("deep-link/", views.deep_link, name="deep_link"),
    path("setup/", views.setup_values, name="setup"),
    path("courses/", views.courses, name="courses"),
    path("courses/<id:pk>/roster/", views.roster, name="roster"),
]
