import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_question_title_questionversion'),
    ]

    # Only the index goes: each foreign key's column leads a unique constraint or a composite index that
    # serves the same lookups, so the single-column index only cost a write per insert. (A plain
    # AlterField would rebuild every table on SQLite; dropping the index by name does the same on both
    # backends, where Django gives it the same name; a different name fails the migration loudly.)
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='questionversion',
                    name='question',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='catalog.question'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX "catalog_questionversion_question_id_74b893f1"',
                    reverse_sql='CREATE INDEX "catalog_questionversion_question_id_74b893f1" ON "catalog_questionversion" ("question_id")',
                ),
            ],
        ),
    ]
