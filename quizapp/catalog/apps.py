from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "quizapp.catalog"
    verbose_name = _("Question bank")

    def teacher_models(self) -> list:
        """What teachers author in the admin (accounts.roles grants them every permission on these): the bank
        itself and, since the question admin's inlines edit them, the answer rows of every question type,
        taken from the types' registry so a new type's rows are covered without a change here."""
        from . import question_types
        from .models import Flashcard, Question, Section

        rows = [row_set.model(Question) for row_set in question_types.answer_row_sets()]
        return [Section, Question, Flashcard, *rows]
