"""The section rollups take the mastery estimate and call that quizzes 0004 recomputed."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def copy(apps, schema_editor):
    SectionProgress = apps.get_model("progress", "SectionProgress")
    LearnerSkill = apps.get_model("quizzes", "LearnerSkill")
    skill = LearnerSkill.objects.filter(learner_id=OuterRef("learner_id"), section_id=OuterRef("section_id"))
    SectionProgress.objects.update(mastery=Coalesce(Subquery(skill.values("mastery")[:1]), Value(0.0)),
                                   state=Coalesce(Subquery(skill.values("state")[:1]), Value("not_started")))


class Migration(migrations.Migration):
    dependencies = [("progress", "0006_item_stats_first_score"), ("quizzes", "0004_recompute_mastery")]
    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
