"""Writing many rows fast: COPY on PostgreSQL, executemany elsewhere.

bulk_create takes every value through each layer of field preparation; for
demo data of millions of values that alone took most of the time. Rows here
are plain {attname: value} dicts built already valid; only datetimes and JSON
go through Django's adapters.
"""

from collections.abc import Callable
from functools import partial
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone


class TableWriter:
    """Writes rows, given as {attname: value}, to one model's table: with COPY on
    PostgreSQL and executemany elsewhere. Missing values get the field's default."""

    def __init__(self, model: type[models.Model], *, with_pk: bool):
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults = {f.attname: _default(f) for f in fields}
        self.values_of = itemgetter(*self.defaults)
        adapters = [_adapter(f) for f in fields]
        self.adapters = [(i, adapt) for i, adapt in enumerate(adapters) if adapt]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.insert_sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def insert(self, rows: list[dict[str, Any]]) -> None:
        values = []
        for row in rows:
            value = list(self.values_of(self.defaults | row))
            for index, adapt in self.adapters:
                value[index] = adapt(value[index])
            values.append(value)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(self.insert_sql, values)


def _default(field: models.Field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """What the ORM does to a value before writing it, for the fields where the
    database driver alone would get it wrong (aware datetimes on SQLite, JSON)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return partial(field.get_db_prep_save, connection=connection)
    return None
