from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "quizapp.progress"
    verbose_name = _("Progress")

    def ready(self):
        from quizapp.cards.signals import review_recorded, review_undone
        from quizapp.quizzes.signals import answer_recorded, skills_recalibrated

        from . import rollups

        answer_recorded.connect(rollups.on_answer_recorded, dispatch_uid="progress.answer")
        review_recorded.connect(rollups.on_review_recorded, dispatch_uid="progress.review")
        review_undone.connect(rollups.on_review_undone, dispatch_uid="progress.undo")
        skills_recalibrated.connect(rollups.on_skills_recalibrated, dispatch_uid="progress.recalibrated")
