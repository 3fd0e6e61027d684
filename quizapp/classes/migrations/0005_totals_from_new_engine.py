"""Each class's per-section totals recounted from its members' rollups after progress 0007."""

from collections import defaultdict

from django.db import migrations


def recount(apps, schema_editor):
    Membership = apps.get_model("classes", "Membership")
    SectionTotal = apps.get_model("classes", "SectionTotal")
    SectionProgress = apps.get_model("progress", "SectionProgress")
    classes_of = defaultdict(list)
    for classroom_id, learner_id in Membership.objects.values_list("classroom_id", "learner_id"):
        classes_of[learner_id].append(classroom_id)
    totals = defaultdict(lambda: [0.0, 0])
    for learner_id, section_id, mastery, state in SectionProgress.objects.filter(
            learner_id__in=list(classes_of)).values_list("learner_id", "section_id", "mastery", "state"):
        for classroom_id in classes_of[learner_id]:
            totals[(classroom_id, section_id)][0] += mastery
            totals[(classroom_id, section_id)][1] += state == "mastered"
    SectionTotal.objects.all().delete()
    SectionTotal.objects.bulk_create([SectionTotal(classroom_id=c, section_id=s, mastery_sum=m, mastered=n)
                                      for (c, s), (m, n) in totals.items()], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("classes", "0004_classroom_archived_at"), ("progress", "0007_mastery_from_new_engine")]
    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
