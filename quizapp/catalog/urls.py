from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("sections/<slug:key>/", views.section_detail, name="section"),
]
