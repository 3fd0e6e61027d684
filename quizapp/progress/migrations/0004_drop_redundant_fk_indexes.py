import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_drop_redundant_fk_indexes'),
        ('progress', '0003_grid_cells_index'),
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
                    model_name='dailyactivity',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='daily_activity', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='itemstats',
                    name='question',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='item_stats', to='catalog.question'),
                ),
                migrations.AlterField(
                    model_name='sectionday',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='sectionprogress',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='section_progress', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX "progress_dailyactivity_learner_id_5cd703c8"',
                    reverse_sql='CREATE INDEX "progress_dailyactivity_learner_id_5cd703c8" ON "progress_dailyactivity" ("learner_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "progress_itemstats_question_id_169b779c"',
                    reverse_sql='CREATE INDEX "progress_itemstats_question_id_169b779c" ON "progress_itemstats" ("question_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "progress_sectionday_learner_id_8505a26c"',
                    reverse_sql='CREATE INDEX "progress_sectionday_learner_id_8505a26c" ON "progress_sectionday" ("learner_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "progress_sectionprogress_learner_id_a6cee8a0"',
                    reverse_sql='CREATE INDEX "progress_sectionprogress_learner_id_a6cee8a0" ON "progress_sectionprogress" ("learner_id")',
                ),
            ],
        ),
    ]
