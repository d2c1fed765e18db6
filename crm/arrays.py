"""Writing thousands of rows in one statement, for the set-based paths (an
import's follow-ups, a batch's scores, leads handed to reps): on PostgreSQL one
INSERT … SELECT FROM unnest() (rows_insert) or UPDATE … FROM unnest()
(rows_update) with one array a column, a handful of parameters however many
rows; on SQLite executemany. Django's bulk_create prepares and binds each value of each row,
which at thousands of rows costs more than the insert itself. Rows a unique
index turns away are passed over (ON CONFLICT DO NOTHING)."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection, models


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert `rows`, each with the values of `columns` (column names) in order, as
    Python values (a JSON field's as the value, encoded here). Returns the
    `returning` columns of the rows written on PostgreSQL; [] elsewhere, where
    the caller reads back what it needs."""
    if not rows:
        return []
    fields = {field.column: field for field in model._meta.concrete_fields}
    chosen = [fields[column] for column in columns]
    encoders = [(n, encoder) for n, field in enumerate(chosen) if (encoder := _encoder(field))]
    if encoders:
        rows = [_encoded(list(row), encoders) for row in rows]
    q = connection.ops.quote_name
    names = ", ".join(q(column) for column in columns)
    table = q(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            values = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({values})", rows)
            return []
        types = [_array_type(field) for field in chosen]
        columns_of = [list(column) for column in zip(*rows, strict=True)]
        # A column with one value in every row (a batch's status, its moment, its
        # cadence) is sent once, as that value; the others as arrays unnested side
        # by side. %b: an array sent in binary, which psycopg writes several times
        # faster than text (no quoting or escaping of each element in Python); a
        # column of integers as one array literal (%t), joined at C speed.
        same = [_same_throughout(column) for column in columns_of]
        if all(same):
            same[0] = False  # unnest needs an array, for the rows' count
        selected, arrays, constants, sent = [], [], [], []
        for n, (field, kind, column) in enumerate(zip(chosen, types, columns_of, strict=True)):
            jsonb = "::jsonb" if isinstance(field, models.JSONField) else ""
            if same[n]:
                selected.append(f"%b::{kind}{jsonb}")
                constants.append(column[0])
                continue
            literal = _integers_literal(kind, column)
            arrays.append((f"c{n}", f"%{'b' if literal is None else 't'}::{kind}[]"))
            sent.append(column if literal is None else literal)
            selected.append(f"c{n}{jsonb}")
        values = [*constants, *sent]
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {', '.join(selected)} "
            f"FROM unnest({', '.join(a for _, a in arrays)}) AS u "
            f"({', '.join(alias for alias, _ in arrays)}) ON CONFLICT DO NOTHING"
        )
        if returning:
            sql += f" RETURNING {', '.join(q(column) for column in returning)}"
        # Bound by the server, as psycopg sends arrays fastest (Django's cursor quotes
        # each value into the statement's text, in Python); same connection, same
        # transaction.
        with psycopg.Cursor(connection.connection) as bound:
            bound.execute(sql, values)
            return bound.fetchall() if returning else []


def rows_update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    same: Mapping[str, Any] | None = None,
) -> None:
    """Set `columns` (column names) of the model's rows found by primary key: each of
    `rows` is the key, then the values of `columns` in order, as Python values; `same`
    sets other columns to one value on every row. On PostgreSQL one UPDATE … FROM
    unnest(), each row joined by its key (one statement, so row triggers' rollups run
    once); elsewhere executemany of an UPDATE a row."""
    if not rows:
        return
    fields = {field.column: field for field in model._meta.concrete_fields}
    key = model._meta.pk
    chosen = [key, *(fields[column] for column in columns)]
    encoders = [(n, encoder) for n, field in enumerate(chosen) if (encoder := _encoder(field))]
    if encoders:
        rows = [_encoded(list(row), encoders) for row in rows]
    same = same or {}
    same_values = [_encoded_one(fields[column], value) for column, value in same.items()]
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{q(column)} = %s" for column in [*columns, *same])
            sql = f"UPDATE {table} SET {sets} WHERE {q(key.column)} = %s"
            cursor.executemany(sql, [[*row[1:], *same_values, row[0]] for row in rows])
            return
        aliases = [f"c{n}" for n in range(len(chosen))]
        sets = [
            f"{q(column)} = u.{alias}" + ("::jsonb" if isinstance(field, models.JSONField) else "")
            for column, alias, field in zip(columns, aliases[1:], chosen[1:], strict=True)
        ]
        sets += [f"{q(column)} = %s" for column in same]
        types = [_array_type(field) for field in chosen]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        columns_sent = [
            _integers_literal(kind, column) or column
            for kind, column in zip(types, map(list, zip(*rows, strict=True)), strict=True)
        ]
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} FROM unnest({arrays}) AS u "
            f"({', '.join(aliases)}) WHERE {table}.{q(key.column)} = u.c0",
            [*same_values, *columns_sent],
        )


INTEGER_TYPES = ("bigint", "integer", "smallint")


def _same_throughout(column: list) -> bool:
    """Whether every value of the column is the same (of one type, as the database
    tells 1 from True)."""
    try:
        return len(set(column)) == 1 and len(set(map(type, column))) == 1
    except TypeError:  # unhashable
        return False


def _integers_literal(kind: str, column: list) -> str | None:
    """A column of an integer type as PostgreSQL's array literal ("{1,2,NULL}"),
    where every value is an int or None; None where not (psycopg dumps it then).
    psycopg dumps a list element by element in Python; str() and join run in C."""
    if kind not in INTEGER_TYPES:
        return None
    kinds = set(map(type, column))
    if kinds <= {int}:
        return "{" + ",".join(map(str, column)) + "}"
    if kinds <= {int, type(None)}:
        return "{" + ",".join(["NULL" if value is None else str(value) for value in column]) + "}"
    return None


def _encoded_one(field: models.Field, value: Any) -> Any:
    encoder = _encoder(field)
    return encoder(value) if encoder else value


def _encoded(row: list, encoders: list) -> list:
    for n, encoder in encoders:
        row[n] = encoder(row[n])
    return row


def _encoder(field: models.Field):
    """How a value of the field is passed, where the driver does not take it as is."""
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value, cls=field.encoder)
    if connection.vendor != "postgresql" and isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return None


def _array_type(field: models.Field) -> str:
    if isinstance(field, models.JSONField):
        return "text"  # cast to jsonb per value: a jsonb[] parameter would need each wrapped
    return field.db_type(connection)
