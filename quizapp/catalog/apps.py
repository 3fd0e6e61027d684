from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "quizapp.catalog"
    verbose_name = _("Question bank")

    def ready(self):
        from quizapp.accounts.roles import TEACHER_MODELS

        from . import question_types
        from .models import Question

        # Teachers edit every set of answer rows in the question admin's inlines.
        rows = [row_set.model(Question)._meta.model_name for row_set in question_types.answer_row_sets()]
        TEACHER_MODELS["catalog"] += [name for name in rows if name not in TEACHER_MODELS["catalog"]]
