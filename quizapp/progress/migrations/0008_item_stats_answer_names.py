"""ItemStats' counts take the names QuestionStats uses for the same counts (issue 16, one meaning per name):
attempts counted answers, not quizzes (an Attempt is a quiz), and first_attempts/first_correct were
QuestionStats' first_answers/first_right under other names.

The check constraints name the old columns in Django's model state, so they are dropped before the renames
and added back over the new names (the database keeps the data; PostgreSQL renames the columns in place,
SQLite rebuilds the table)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0007_mastery_from_new_engine"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="itemstats", name="itemstats_correct_within"),
        migrations.RemoveConstraint(model_name="itemstats", name="itemstats_first_within"),
        migrations.RenameField(model_name="itemstats", old_name="attempts", new_name="answers"),
        migrations.RenameField(model_name="itemstats", old_name="first_attempts", new_name="first_answers"),
        migrations.RenameField(model_name="itemstats", old_name="first_correct", new_name="first_right"),
        migrations.AddConstraint(
            model_name="itemstats",
            constraint=models.CheckConstraint(condition=models.Q(first_right__lte=models.F("first_answers")),
                                              name="itemstats_right_within_first_answers"),
        ),
        migrations.AddConstraint(
            model_name="itemstats",
            constraint=models.CheckConstraint(condition=models.Q(first_answers__lte=models.F("answers")),
                                              name="itemstats_first_answers_within_answers"),
        ),
    ]
