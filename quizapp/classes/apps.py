from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "quizapp.classes"
    verbose_name = _("Classes")

    def ready(self):
        from django.db.models.signals import post_save, pre_delete, pre_save

        from quizapp.progress.signals import mastery_recomputed, rollups_rebuilt
        from quizapp.quizzes.signals import answer_recorded

        from . import rollups
        from .models import Membership

        answer_recorded.connect(rollups.on_answer_recorded, dispatch_uid="classes.answer")
        pre_save.connect(rollups.on_membership_changing, sender=Membership, dispatch_uid="classes.moving")
        post_save.connect(rollups.on_membership_saved, sender=Membership, dispatch_uid="classes.joined")
        # pre_delete: a cascade (a deleted account) sends it before deleting the learner's rollups.
        pre_delete.connect(rollups.on_membership_deleted, sender=Membership, dispatch_uid="classes.left")
        rollups_rebuilt.connect(rollups.on_rollups_rebuilt, dispatch_uid="classes.rebuild")
        mastery_recomputed.connect(rollups.on_mastery_recomputed, dispatch_uid="classes.recomputed")
