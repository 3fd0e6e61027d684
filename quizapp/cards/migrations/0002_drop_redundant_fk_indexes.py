import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0001_initial'),
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
                    model_name='cardstate',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='card_states', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='review',
                    name='learner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='card_reviews', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX "cards_cardstate_learner_id_0b47ea1a"',
                    reverse_sql='CREATE INDEX "cards_cardstate_learner_id_0b47ea1a" ON "cards_cardstate" ("learner_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX "cards_review_learner_id_183c39ce"',
                    reverse_sql='CREATE INDEX "cards_review_learner_id_183c39ce" ON "cards_review" ("learner_id")',
                ),
            ],
        ),
    ]
