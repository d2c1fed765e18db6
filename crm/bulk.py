"""Writing many rows fast: COPY on PostgreSQL, executemany elsewhere; and
batches, for work on more rows than one statement should take.

bulk_create takes every value through each layer of field preparation; for
demo data and booth lists of millions of values that alone took most of the
time. Rows here are built already valid (plain {attname: value} dicts, or
model instances); only datetimes and JSON go through Django's adapters. Ids
for new rows can be reserved first, so related rows can point at them.
"""

import contextlib
import gc
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from operator import itemgetter
from queue import Empty, Full, Queue
from typing import Any, BinaryIO, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of `size` (the last one shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def read_ahead(items: Iterable[T], *, depth: int = 2) -> Iterator[T]:
    """The items, made on a thread of their own up to `depth` ahead of the caller:
    pure-Python work there (reading and cleaning a list's rows) runs while the caller
    waits on the database, which releases the GIL. An error making them is raised
    here; the thread stops when the caller does. It must not use the database."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(
        target=_produce, args=(iter(items), queue, stop), name="read-ahead", daemon=True
    )
    thread.start()
    try:
        while True:
            item, done, error = queue.get()
            if error is not None:
                raise error
            if done:
                return
            yield item
    finally:
        stop.set()
        _drain(queue)
        thread.join()


@contextlib.contextmanager
def garbage_collection_past() -> Iterator[None]:
    """While the block runs, the cycle collector passes over the objects that were
    alive when it began (Django, the app's modules: a million of them): a batch of
    thousands of rows allocates enough to start a full collection, which walked them
    all each time (150 ms a batch). Nothing is lost: they are looked at again after."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def made_aside(items: Iterable[T]) -> Iterator[T]:
    """The items, made in a child process forked for them, one ahead of the caller:
    unlike read_ahead's thread, the child has a core and a GIL of its own, so the
    caller's Python work and the making overlap. Items must pickle; making them must
    not use the database (the child holds a copy of the parent's connection, unused,
    until it ends) nor change anything the parent reads later.
    An error making them is raised here; the child is ended when the caller stops.
    Without fork (Windows), this is read_ahead."""
    if not hasattr(os, "fork"):
        yield from read_ahead(items)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_send_all, args=(items, sender, receiver), name="made-aside", daemon=True
    )
    child.start()
    sender.close()  # the child's end: a child that dies leaves recv() an EOFError
    try:
        while True:
            try:
                item, done, error = receiver.recv()
            except EOFError:
                raise RuntimeError("The process reading ahead stopped unexpectedly.") from None
            if error is not None:
                raise error
            if done:
                return
            yield item
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()  # the caller stopped early: the rest is not needed
        child.join()


def _send_all(items: Iterable, sender, receiver) -> None:
    # The parent's end closed here too: a parent that dies (killed mid-import) leaves
    # the next send a broken pipe, and this process ends with it instead of waiting.
    receiver.close()
    try:
        for item in items:
            sender.send((item, False, None))
        sender.send((None, True, None))
    except BrokenPipeError:
        return  # the parent is gone or stopped reading
    except BaseException as exc:  # raised in the parent instead
        sender.send((None, True, _picklable(exc)))


def _picklable(exc: BaseException) -> BaseException:
    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _produce(items: Iterator, queue: Queue, stop: threading.Event) -> None:
    try:
        for item in items:
            if not _put(queue, (item, False, None), stop):
                return
        _put(queue, (None, True, None), stop)
    except BaseException as exc:
        _put(queue, (None, True, exc), stop)


def _put(queue: Queue, entry: tuple, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            queue.put(entry, timeout=0.05)
            return True
        except Full:
            continue
    return False


def _drain(queue: Queue) -> None:
    while True:
        try:
            queue.get_nowait()
        except Empty:
            return


class TableWriter:
    """Writes rows, given as {attname: value}, to one model's table: with COPY on
    PostgreSQL and executemany elsewhere. Missing values get the field's default."""

    def __init__(self, model: type[models.Model], *, with_pk: bool):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults = {f.attname: _default(f) for f in fields}
        self.auto_now = [f.attname for f in fields if _is_auto_now(f)]
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

    def insert_objects(self, objects: list[models.Model]) -> None:
        """Insert model instances as they are (no save(), no signals); auto_now
        fields left empty are set to now."""
        now = timezone.now()
        rows = []
        for obj in objects:
            row = {attname: getattr(obj, attname) for attname in self.defaults}
            for attname in self.auto_now:
                row[attname] = row[attname] or now
            rows.append(row)
        self.insert(rows)

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


def _is_auto_now(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _default(field: models.Field) -> Any:
    return timezone.now() if _is_auto_now(field) else field.get_default()


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids no other row has or will get, for rows about to be inserted.

    PostgreSQL hands them out from the table's sequence. SQLite has one writer
    at a time, and this runs inside the writing transaction, so the next ids
    after the highest ever used are free (AUTOINCREMENT never reuses an id).
    """
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        used = cursor.fetchone()
        start = max(highest, used[0] if used else 0) + 1
    return list(range(start, start + count))


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """What the ORM does to a value before writing it, for the fields where the
    database driver alone would get it wrong (aware datetimes on SQLite, JSON)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return partial(field.get_db_prep_save, connection=connection)
    return None


def analyze(*models: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk load, so that the next queries
    use the indexes (PostgreSQL; SQLite plans without them well enough)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


FILE_CHUNK_BYTES = 1024 * 1024


def file_store(obj: models.Model, field_name: str, file: BinaryIO) -> None:
    """Store a file in a saved row's binary field without holding it in memory on
    PostgreSQL: a bytea parameter the size of the file costs the driver several
    times that (escaped into the statement), so the file goes in 1 MB chunks into
    a large object, and from there into the row. Elsewhere it is read whole."""
    file.seek(0)
    if connection.vendor != "postgresql":
        type(obj)._base_manager.filter(pk=obj.pk).update(**{field_name: file.read()})
        return
    quote = connection.ops.quote_name
    table, column = quote(obj._meta.db_table), quote(obj._meta.get_field(field_name).column)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT lo_create(0)")
        oid = cursor.fetchone()[0]
        offset = 0
        for chunk in iter(partial(file.read, FILE_CHUNK_BYTES), b""):
            cursor.execute("SELECT lo_put(%s, %s, %s)", [oid, offset, chunk])
            offset += len(chunk)
        cursor.execute(f"UPDATE {table} SET {column} = lo_get(%s) WHERE id = %s", [oid, obj.pk])
        cursor.execute("SELECT lo_unlink(%s)", [oid])
