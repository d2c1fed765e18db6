"""The `sent` mark of each email, written the moment the server accepts it: the
record that makes sending exactly once (a row marked sent is never sent again).

One mark per email, each its own commit, outside any transaction. The sender
writes a mark and goes on with the next message's envelope without waiting
for it (send), and waits for it (recorded) before handing the server the end
of the next message's data, the point at which the server may accept it. So
at any moment at most one accepted message is not yet recorded as sent: a
worker killed anywhere leaves at most that one undecided, as when each mark
was waited for at once.

On PostgreSQL the mark goes through libpq's asynchronous interface on the
worker's own connection (one prepared statement per batch, committed
asynchronously); nothing else may use that connection until recorded()
returns. Elsewhere (SQLite) each mark is written at once.
"""

import datetime as dt
import selectors
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.db import DatabaseError
from django.db import connection as db

from mailings.models import OutboxEmail

STATEMENT = b"mailings_sent_mark"  # the prepared statement's name, for one batch


class SentMarks:
    """Marks written one at a time, each waited for at once (SQLite)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def send(self, outbox: OutboxEmail, now: dt.datetime) -> None:
        self.cursor.execute(_mark_sql(), _params(outbox, now))
        outbox.status, outbox.sent_at, outbox.last_error = OutboxEmail.Status.SENT, now, ""

    def recorded(self) -> None:
        """Every mark sent so far is recorded (raises DatabaseError if one was not)."""


class AsyncSentMarks(SentMarks):
    """Marks sent to PostgreSQL without waiting for their answer, at most one
    outstanding: send() waits for the one before."""

    def __init__(self, pgconn):
        self.pgconn, self.waiting = pgconn, False

    def send(self, outbox: OutboxEmail, now: dt.datetime) -> None:
        self.recorded()
        params = [str(value).encode() for value in _params(outbox, now)]
        self.pgconn.send_query_prepared(STATEMENT, params)
        self.waiting = True
        _flush(self.pgconn)
        outbox.status, outbox.sent_at, outbox.last_error = OutboxEmail.Status.SENT, now, ""

    def recorded(self) -> None:
        if self.waiting:
            self.waiting = False
            _results(self.pgconn)


@contextmanager
def sent_marks() -> Iterator[SentMarks]:
    """The marks of one batch: send() marks an outbox email sent; every mark is
    recorded when the block ends without an error."""
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield SentMarks(cursor)
        return
    db.ensure_connection()
    pgconn = db.connection.pgconn
    with _committed_without_waiting_for_the_disk():
        pgconn.send_prepare(STATEMENT, _mark_sql_numbered().encode())
        _flush(pgconn)
        _results(pgconn)
        marks = AsyncSentMarks(pgconn)
        try:
            yield marks
            marks.recorded()
        finally:
            _let_go(pgconn)


def _let_go(pgconn) -> None:
    """The connection given back to Django: its answers read (after an error, one
    may be outstanding), the statement dropped. A broken connection is left for
    Django to find (the server dropped the statement with it)."""
    from psycopg import Error

    try:
        _results(pgconn, check=False)
        with db.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {STATEMENT.decode()}")
    except (DatabaseError, Error):
        pass


def _params(outbox: OutboxEmail, now: dt.datetime) -> list:
    return [
        OutboxEmail.Status.SENT,
        db.ops.adapt_datetimefield_value(now),
        outbox.to_email,
        outbox.subject,
        outbox.pk,
        OutboxEmail.Status.SENDING,
    ]


@cache
def _mark_sql() -> str:
    quote = db.ops.quote_name
    columns = ("status", "sent_at", "to_email", "subject")
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    return (
        f"UPDATE {quote(OutboxEmail._meta.db_table)} SET {assignments}, "
        f"{quote('last_error')} = '' WHERE {quote('id')} = %s AND {quote('status')} = %s"
    )


@cache
def _mark_sql_numbered() -> str:
    """The same statement with libpq's numbered placeholders ($1 ...)."""
    parts = _mark_sql().split("%s")
    return "".join(f"{part}${number}" for number, part in enumerate(parts[:-1], 1)) + parts[-1]


def _flush(pgconn) -> None:
    """All of what was sent is on its way (a non-blocking connection may keep some)."""
    while pgconn.flush():
        _wait(pgconn, selectors.EVENT_WRITE)


def _results(pgconn, *, check: bool = True) -> None:
    """Every answer to what was sent, read; the first error raised."""
    from psycopg import pq

    error = None
    while True:
        while pgconn.is_busy():
            _wait(pgconn, selectors.EVENT_READ)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            error = error or result.error_message.decode(errors="replace")
    if error and check:
        raise DatabaseError(f"The sent mark was not written: {error}")


def _wait(pgconn, event: int) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(pgconn.socket, event)
        selector.select()


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
