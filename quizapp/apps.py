from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself, last in INSTALLED_APPS: it connects the apps' receivers (quizapp.receivers) once
    every app is loaded, as urls.py routes to every app's views."""

    name = "quizapp"
    label = "project"

    def ready(self):
        from .receivers import connect_receivers

        connect_receivers()
