"""Record the earlier versions that `load_content` bumped past without keeping (issue 16).

Until the bank had one write path, reloading content/ bumped `Question.version` when what a question asks
changed but wrote no `QuestionVersion` for the number it left (measured: history-q01 at v2 with no rows).
For each question above version 1, this adds a row for every earlier number that has none.

What those versions asked is lost: nothing kept it. The rows therefore say so, and nothing more: their
content is only `{"reconstructed": true}`. We chose this over copying the current content into them,
which would present what is asked now as what learners of the old version saw, exactly the confusion
versions exist to prevent (the bump happened because what is asked changed); and over creating no rows,
which would leave the numbering with holes that look like a bug rather than a known loss. `replaced_by`
is empty (the loader has no user) and `replaced_at` is when this migration ran, the first moment the
loss was recorded. Rows that already exist are never touched; reversing deletes only the rows this added.
"""

from django.db import migrations

RECONSTRUCTED = {"reconstructed": True}


def add_missing_versions(apps, schema_editor):
    Question = apps.get_model("catalog", "Question")
    QuestionVersion = apps.get_model("catalog", "QuestionVersion")
    kept: dict = {}
    for question_id, number in QuestionVersion.objects.values_list("question_id", "number"):
        kept.setdefault(question_id, set()).add(number)
    missing = [
        QuestionVersion(question_id=pk, number=number, content=dict(RECONSTRUCTED))
        for pk, version in Question.objects.filter(version__gt=1).values_list("pk", "version")
        for number in range(1, version)
        if number not in kept.get(pk, ())
    ]
    QuestionVersion.objects.bulk_create(missing)


def remove_added_versions(apps, schema_editor):
    QuestionVersion = apps.get_model("catalog", "QuestionVersion")
    rows = QuestionVersion.objects.values_list("pk", "content")
    added = [pk for pk, content in rows if content == RECONSTRUCTED]
    QuestionVersion.objects.filter(pk__in=added).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_held_import"),
    ]

    operations = [
        migrations.RunPython(add_missing_versions, remove_added_versions),
    ]
