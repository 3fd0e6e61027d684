"""Counter rows added to in one statement: INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n.

Rollups (a learner's day, an item's answers) are rows found by a unique key and changed only by adding.
Django's `bulk_create(update_conflicts=True)` can only overwrite a column with the new row's value, so this
writes the statement itself; SQLite (3.24+, RETURNING 3.35+) and PostgreSQL both read it as written. One
statement instead of an UPDATE and, for a missing row, a get_or_create (SELECT, SAVEPOINT, INSERT, RELEASE)
and the UPDATE again: concurrent writers still neither lose an addition nor duplicate the row, since the
database resolves the conflict on the unique key.
"""

from __future__ import annotations

from django.db import connection


def counter_add(model, keys: dict, add: dict, *, defaults: dict | None = None, returning: str | None = None):
    """Add `add` ({field: non-negative number}) to the `model` row whose unique key is `keys` (exactly the
    fields of a unique constraint, or the primary key), creating it when missing with `add`, `defaults`
    (used only by a new row) and the fields' own defaults. Returns the value of the field `returning` after
    the change (or None when not asked)."""
    defaults = defaults or {}
    if any(value < 0 for value in add.values()):
        raise ValueError("counter_add adds non-negative amounts: a new row must pass its check constraints")
    meta = model._meta
    quote = connection.ops.quote_name
    values = {}
    for field in meta.concrete_fields:
        name = field.attname
        if field.name in keys or name in keys:
            value = keys.get(field.name, keys.get(name))
            value = getattr(value, "pk", value)
        elif field.primary_key:
            continue
        elif field.name in add:
            value = add[field.name]
        elif field.name in defaults:
            value = defaults[field.name]
        else:
            value = field.get_default()
        values[field] = field.get_db_prep_save(value, connection)
    columns = ", ".join(quote(f.column) for f in values)
    placeholders = ", ".join(["%s"] * len(values))
    key_columns = ", ".join(quote(meta.get_field(k).column) for k in keys)
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(meta.get_field(n).column)} = {table}.{quote(meta.get_field(n).column)} + "
                     f"excluded.{quote(meta.get_field(n).column)}" for n in add)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({key_columns}) DO UPDATE SET {sets}"
    if returning:
        sql += f" RETURNING {quote(meta.get_field(returning).column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values.values()))
        return cursor.fetchone()[0] if returning else None
