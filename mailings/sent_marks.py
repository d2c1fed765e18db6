"""The `sent` mark of each email, written the moment the server accepts it: the
record that makes sending exactly once (a row marked sent is never sent again).

One mark per email, each its own commit, outside any transaction, so a worker
killed mid-batch leaves at most the one message in flight undecided. The
statement is written once (the ORM would build it again for every email) and,
on PostgreSQL, prepared once per batch and committed asynchronously.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import psycopg
from django.db import connection as db

from mailings.models import OutboxEmail

Mark = Callable[[OutboxEmail, dt.datetime], None]


@contextmanager
def sent_marks() -> Iterator[Mark]:
    """A function that marks one outbox email sent, for the length of a batch."""
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield lambda outbox, now: _mark(cursor, outbox, now)
        return
    db.ensure_connection()
    with _committed_without_waiting_for_the_disk(), psycopg.Cursor(db.connection) as cursor:
        yield lambda outbox, now: _mark(cursor, outbox, now, prepare=True)


def _mark(cursor, outbox: OutboxEmail, now: dt.datetime, **options) -> None:
    outbox.status, outbox.sent_at, outbox.last_error = OutboxEmail.Status.SENT, now, ""
    params = [
        OutboxEmail.Status.SENT,
        db.ops.adapt_datetimefield_value(now),
        outbox.to_email,
        outbox.subject,
        outbox.pk,
        OutboxEmail.Status.SENDING,
    ]
    cursor.execute(_mark_sql(), params, **options)


@cache
def _mark_sql() -> str:
    quote = db.ops.quote_name
    columns = ("status", "sent_at", "to_email", "subject")
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    return (
        f"UPDATE {quote(OutboxEmail._meta.db_table)} SET {assignments}, "
        f"{quote('last_error')} = '' WHERE {quote('id')} = %s AND {quote('status')} = %s"
    )


@contextmanager
def _committed_without_waiting_for_the_disk() -> Iterator[None]:
    """Waiting for each mark's WAL flush would cost more than the send. With
    asynchronous commit a mark is safe the moment PostgreSQL answers, whatever
    happens to this worker; only a crash of PostgreSQL itself in the next
    fraction of a second could forget it (and that email would go again, with
    the same Message-ID)."""
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
