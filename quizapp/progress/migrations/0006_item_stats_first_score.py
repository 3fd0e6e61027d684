"""ItemStats keeps the sum of first answers' scores, so facility (their mean, partial credit included, as
Moodle computes it) is read from the rollup instead of averaging the history for every question shown.
Existing rows are filled from the first answers, as `rebuild_progress` computes them."""

from django.db import migrations, models
from django.db.models import Sum


def fill_first_scores(apps, schema_editor):
    Response = apps.get_model("quizzes", "Response")
    ItemStats = apps.get_model("progress", "ItemStats")
    sums = {(r["question_id"], r["question_version"]): r["total"] for r in
            Response.objects.filter(first_try=True).values("question_id", "question_version")
            .annotate(total=Sum("score")).order_by()}
    changed = []
    for row in ItemStats.objects.only("pk", "question_id", "version", "first_score").iterator(5000):
        row.first_score = sums.get((row.question_id, row.version)) or 0.0
        changed.append(row)
    ItemStats.objects.bulk_update(changed, ["first_score"], batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ("progress", "0005_mastery_peak_per_study_day"),
        ("quizzes", "0002_drop_redundant_fk_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="itemstats",
            name="first_score",
            field=models.FloatField(default=0.0, verbose_name="score of first answers"),
        ),
        migrations.RunPython(fill_first_scores, migrations.RunPython.noop),
    ]
