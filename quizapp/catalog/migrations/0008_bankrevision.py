"""The bank's revision token (models.BankRevision), kept by the database: after any insert, update or delete
of a section, question or flashcard, a trigger sets it to a new random value, in the same transaction as
the write. SQLite triggers are per row; PostgreSQL's are per statement (one update for a bulk write)."""

from django.db import migrations, models

TABLES = ("catalog_section", "catalog_question", "catalog_flashcard")

SQLITE_BUMP = ("INSERT INTO catalog_bankrevision (id, token) VALUES (1, lower(hex(randomblob(16)))) "
               "ON CONFLICT (id) DO UPDATE SET token = excluded.token;")


def sqlite_triggers(table):
    return [f"CREATE TRIGGER {table}_revision_{event.lower()} AFTER {event} ON {table} "
            f"BEGIN {SQLITE_BUMP} END;" for event in ("INSERT", "UPDATE", "DELETE")]


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_bank_revise() RETURNS trigger AS $$
BEGIN
    INSERT INTO catalog_bankrevision (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def postgres_trigger(table):
    return (f"CREATE TRIGGER {table}_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE PROCEDURE catalog_bank_revise();")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [s for table in TABLES for s in sqlite_triggers(table)]
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTION] + [postgres_trigger(table) for table in TABLES]
    else:
        raise NotImplementedError(f"no bank revision triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(SQLITE_BUMP.rstrip(";") if vendor == "sqlite" else
                          "INSERT INTO catalog_bankrevision (id, token) VALUES (1, md5(random()::text))")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_revision_{event}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS catalog_bank_revise()")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_numericalanswer_credit"),
    ]

    operations = [
        migrations.CreateModel(
            name="BankRevision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
            ],
            options={"verbose_name": "bank revision"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
