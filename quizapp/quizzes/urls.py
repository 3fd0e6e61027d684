from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("", views.start, name="start"),
    path("<id:attempt>/", views.question, name="question"),
    path("<id:attempt>/answer/", views.answer, name="answer"),
    path("<id:attempt>/summary/", views.summary, name="summary"),
    path("<id:attempt>/leave/", views.leave, name="leave"),
]
