from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "quizapp.progress"
    # Its receivers are connected in quizapp/receivers.py, with every other app's.
    verbose_name = _("Progress")
