from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("", views.start, name="start"),
    path("<int:attempt>/", views.question, name="question"),
    path("<int:attempt>/answer/", views.answer, name="answer"),
    path("<int:attempt>/summary/", views.summary, name="summary"),
    path("<int:attempt>/leave/", views.leave, name="leave"),
]
