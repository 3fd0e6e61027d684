from django.urls import path

from . import views

app_name = "cards"

urlpatterns = [
    path("", views.decks, name="decks"),
    path("review/", views.review, name="review"),
    path("review/undo/", views.undo, name="undo"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/suspend/", views.suspend, name="suspend"),
    path("<int:pk>/bury/", views.bury, name="bury"),
    path("<int:pk>/unsuspend/", views.unsuspend, name="unsuspend"),
    path("<int:pk>/put-back/", views.put_back, name="put_back"),
    path("leeches/", views.leeches, name="leeches"),
    path("settings/", views.study_settings, name="settings"),
    path("export.apkg", views.export_apkg, name="export"),
]
