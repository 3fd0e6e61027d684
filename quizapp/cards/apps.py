from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "quizapp.cards"
    # Its receivers are connected in quizapp/receivers.py, with every other app's.
    verbose_name = _("Flashcards")
