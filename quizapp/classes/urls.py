from django.urls import path

from . import views

app_name = "classes"

urlpatterns = [
    path("", views.class_list, name="list"),
    path("new/", views.class_create, name="create"),
    path("join/", views.class_join, name="join"),
    path("<id:pk>/", views.class_dashboard, name="dashboard"),
    path("<id:pk>/settings/", views.class_settings, name="settings"),
    path("<id:pk>/archive/", views.class_archive, name="archive"),
    path("<id:pk>/restore/", views.class_restore, name="restore"),
    path("<id:pk>/code/", views.class_renew_code, name="renew_code"),
    path("<id:pk>/learners/<id:learner_id>/remove/", views.class_remove_learner, name="remove_learner"),
    path("<id:pk>/leave/", views.class_leave, name="leave"),
    path("<id:pk>/learners/<id:learner_id>/", views.class_learner, name="learner"),
    path("<id:pk>/learners/<id:learner_id>/quizzes/<id:attempt_id>/", views.class_learner_attempt,
         name="learner_attempt"),
    path("<id:pk>/assignments/new/", views.class_assignment_create, name="assignment_create"),
    path("<id:pk>/assignments/<id:assignment_id>/", views.class_assignment, name="assignment"),
    path("<id:pk>/assignments/<id:assignment_id>/edit/", views.class_assignment_edit, name="assignment_edit"),
    path("<id:pk>/assignments/<id:assignment_id>/delete/", views.class_assignment_delete,
         name="assignment_delete"),
    path("<id:pk>/items/", views.class_items, name="items"),
    path("<id:pk>/mastery.csv", views.class_grid_csv, name="grid_csv"),
    path("<id:pk>/items.csv", views.class_items_csv, name="items_csv"),
]
