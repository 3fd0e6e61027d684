from django.urls import path

from . import views

app_name = "classes"

urlpatterns = [
    path("", views.class_list, name="list"),
    path("new/", views.class_create, name="create"),
    path("join/", views.class_join, name="join"),
    path("<int:pk>/", views.class_dashboard, name="dashboard"),
    path("<int:pk>/settings/", views.class_settings, name="settings"),
    path("<int:pk>/archive/", views.class_archive, name="archive"),
    path("<int:pk>/restore/", views.class_restore, name="restore"),
    path("<int:pk>/code/", views.class_renew_code, name="renew_code"),
    path("<int:pk>/learners/<int:learner_id>/remove/", views.class_remove_learner, name="remove_learner"),
    path("<int:pk>/leave/", views.class_leave, name="leave"),
    path("<int:pk>/learners/<int:learner_id>/", views.class_learner, name="learner"),
    path("<int:pk>/learners/<int:learner_id>/quizzes/<int:attempt_id>/", views.class_learner_attempt,
         name="learner_attempt"),
    path("<int:pk>/items/", views.class_items, name="items"),
    path("<int:pk>/mastery.csv", views.class_grid_csv, name="grid_csv"),
    path("<int:pk>/items.csv", views.class_items_csv, name="items_csv"),
]
