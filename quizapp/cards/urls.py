from django.urls import path

from . import views

app_name = "cards"

urlpatterns = [
    path("", views.decks, name="decks"),
    path("review/", views.review, name="review"),
    path("review/undo/", views.undo, name="undo"),
    path("<id:pk>/reveal/", views.reveal, name="reveal"),
    path("<id:pk>/rate/", views.rate, name="rate"),
    path("<id:pk>/suspend/", views.suspend, name="suspend"),
    path("<id:pk>/bury/", views.bury, name="bury"),
    path("<id:pk>/unsuspend/", views.unsuspend, name="unsuspend"),
    path("<id:pk>/put-back/", views.put_back, name="put_back"),
    path("leeches/", views.leeches, name="leeches"),
    path("settings/", views.study_settings, name="settings"),
    path("custom/", views.custom_study, name="custom"),
    path("export.apkg", views.export_apkg, name="export"),
]
