import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('classes', '0002_section_totals'),
    ]

    # Only the index goes: each foreign key's column leads a unique constraint or a composite index that
    # serves the same lookups, so the single-column index only cost a write per insert. (A plain
    # AlterField would rebuild every table on SQLite; dropping the index by name does the same on both
    # backends, where Django gives it the same name; a different name fails the migration loudly.)
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='membership',
                    name='classroom',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='classes.classroom'),
                ),
                migrations.AlterField(
                    model_name='sectiontotal',
                    name='classroom',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='section_totals', to='classes.classroom'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX "classes_membership_classroom_id_a49fcae2"',
                    reverse_sql='CREATE INDEX "classes_membership_classroom_id_a49fcae2" ON "classes_membership" ("classroom_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "classes_sectiontotal_classroom_id_ec559dce"',
                    reverse_sql='CREATE INDEX "classes_sectiontotal_classroom_id_ec559dce" ON "classes_sectiontotal" ("classroom_id")',
                ),
            ],
        ),
    ]
