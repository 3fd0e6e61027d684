from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "quizapp.cards"
    verbose_name = _("Flashcards")

    def ready(self):
        from quizapp.quizzes.signals import answer_recorded

        from . import receivers

        answer_recorded.connect(receivers.introduce_cards_after_miss,
                                dispatch_uid="cards.introduce_after_miss")
