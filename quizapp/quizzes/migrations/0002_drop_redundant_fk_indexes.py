import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Only the index goes: each foreign key's column leads a unique constraint or a composite index that
    # serves the same lookups, so the single-column index only cost a write per insert. (A plain
    # AlterField would rebuild every table on SQLite; dropping the index by name does the same on both
    # backends, where Django gives it the same name; a different name fails the migration loudly.)
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='attemptitem',
                    name='attempt',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='quizzes.attempt'),
                ),
                migrations.AlterField(
                    model_name='learnerskill',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='skills', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='response',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='responses', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX "quizzes_attemptitem_attempt_id_28851a6c"',
                    reverse_sql='CREATE INDEX "quizzes_attemptitem_attempt_id_28851a6c" ON "quizzes_attemptitem" ("attempt_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "quizzes_learnerskill_learner_id_614e5395"',
                    reverse_sql='CREATE INDEX "quizzes_learnerskill_learner_id_614e5395" ON "quizzes_learnerskill" ("learner_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "quizzes_response_learner_id_6c3a1ccd"',
                    reverse_sql='CREATE INDEX "quizzes_response_learner_id_6c3a1ccd" ON "quizzes_response" ("learner_id")',
                ),
            ],
        ),
    ]
