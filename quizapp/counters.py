"""Counter rows added to in one statement: INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n.

Rollups (a learner's day, an item's answers) are rows found by a unique key and changed only by adding.
Django's `bulk_create(update_conflicts=True)` can only overwrite a column with the new row's value, so this
writes the statement itself; SQLite (3.24+, RETURNING 3.35+) and PostgreSQL both read it as written. One
statement instead of an UPDATE and, for a missing row, a get_or_create (SELECT, SAVEPOINT, INSERT, RELEASE)
and the UPDATE again: concurrent writers still neither lose an addition nor duplicate the row, since the
database resolves the conflict on the unique key. The statement's text is built once per process and shape
(it is on every answer's and review's path; building it through the ORM cost more than running it).
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connection


def counter_add(model, keys: dict, add: dict, *, defaults: dict | None = None, returning: str | None = None,
                put: dict | None = None, latest: dict | None = None):
    """Add `add` ({field: non-negative number}) to the `model` row whose unique key is `keys` (exactly the
    fields of a unique constraint, or the primary key), creating it when missing with `add`, `defaults`
    (used only by a new row) and the fields' own defaults. `put` ({field: value}) overwrites those fields
    whether the row is new or not; `latest` ({field: value}) moves them forward to at least the value (an
    empty one takes it). Returns the value of the field `returning` after the change (or None when not
    asked)."""
    defaults, put, latest = defaults or {}, put or {}, latest or {}
    if any(value < 0 for value in add.values()):
        raise ValueError("counter_add adds non-negative amounts: a new row must pass its check constraints")
    sql, fields = _statement(model, tuple(keys), tuple(add), tuple(put), tuple(latest), returning, connection.vendor)
    given = {**defaults, **keys, **add, **put, **latest}
    values = []
    for field in fields:
        if field.name in given or field.attname in given:
            value = given[field.name] if field.name in given else given[field.attname]
            value = getattr(value, "pk", value)
        else:
            value = field.get_default()
        values.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()[0] if returning else None


@lru_cache(maxsize=64)
def _statement(model, keys: tuple, add: tuple, put: tuple, latest: tuple, returning: str | None, vendor: str):
    """The upsert's SQL for this shape, and the fields whose values it takes, in order."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields
              if not f.primary_key or f.name in keys or f.attname in keys]
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    key_columns = ", ".join(quote(meta.get_field(k).column) for k in keys)
    table = quote(meta.db_table)
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"  # SQLite's two-argument MAX() is GREATEST

    def column(name):
        return quote(meta.get_field(name).column)

    sets = [f"{column(n)} = {table}.{column(n)} + excluded.{column(n)}" for n in add]
    sets += [f"{column(n)} = excluded.{column(n)}" for n in put]
    sets += [f"{column(n)} = {greatest}(COALESCE({table}.{column(n)}, excluded.{column(n)}), excluded.{column(n)})"
             for n in latest]
    sql = (f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
           f"ON CONFLICT ({key_columns}) DO UPDATE SET {', '.join(sets)}")
    if returning:
        sql += f" RETURNING {column(returning)}"
    return sql, fields
