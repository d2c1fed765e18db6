"""Whether the worker that took some rows is still alive, as PostgreSQL knows it.

A job that holds rows for a while (the mail job: the touches it delivers, the
emails it is sending) writes its worker's token on them: a number it holds as a
session-level advisory lock on its own database connection while it runs.
PostgreSQL drops the lock the moment that connection ends, however it ends: the
job returned (released by hand: a worker's connection outlives its job), its
process was killed (the kernel closes the socket, the server sees it at once),
or its machine went silent (the keepalive probes asked for below go unanswered
for WORKER_LOST_AFTER_SECONDS). So a row whose token nobody holds was left by a
dead worker, exactly, and any connection can tell (pg_locks) without taking the
lock: no heartbeat to write, no lease to wait out.

A lease says "dead" only after a guess at how long is too long, and a worker
still sending when its lease runs out has its emails sent twice; a token is
right both ways. The leases stay for what has no token to ask about: a job no
worker took up (Redis lost it), and SQLite (the embedded mode, one process),
where worker_token() gives None. crm.imports.liveness does the same per import.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

# The first key of the two-key advisory locks holding a worker's token (the second
# is the token). crm.imports.liveness uses 7_310_413; one-key locks are another space.
LOCK_SPACE = 7_310_414
TOKENS = 2**31 - 1  # tokens are 1 … 2**31 - 1: an int4 key, and an integer column

# Advisory locks belong to one database: others on the server draw the same tokens.
HELD_SQL = (
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objsubid = 2 AND classid::bigint = %s"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)

PROBES = 3
TAKE_SQL = (
    "SELECT set_config('tcp_keepalives_idle', %s, false),"
    " set_config('tcp_keepalives_interval', %s, false),"
    " set_config('tcp_keepalives_count', %s, false),"
    " pg_try_advisory_lock(%s, %s)"
)

_current: ContextVar[int | None] = ContextVar("worker_token", default=None)


@contextmanager
def worker_token() -> Iterator[int | None]:
    """This worker's token, held while the block runs (a block inside it shares the
    outer one's); None where there are no tokens (not PostgreSQL)."""
    outer = _current.get()
    if outer is not None or connection.vendor != "postgresql":
        yield outer
        return
    token = _take()
    entered = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(entered)
        _release(token)


def tokens_held() -> set[int]:
    """The tokens of the workers alive now (this one's included); empty without tokens."""
    if connection.vendor != "postgresql":
        return set()
    return advisory_keys_held(LOCK_SPACE)


def left_by_dead_worker(field: str) -> Q:
    """Rows whose token, in `field`, no live worker holds: their worker died (or
    returned without clearing it). Nothing where there are no tokens."""
    if connection.vendor != "postgresql":
        return Q(pk__in=[])
    held = RawSQL(HELD_SQL, (LOCK_SPACE,))
    return Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}__in": held})


def _take() -> int:
    """A token no live worker holds, locked by this connection, which from now on
    asks the server to probe it when idle: a machine gone silent loses its locks
    within WORKER_LOST_AFTER_SECONDS (the server's default waits two hours)."""
    lost_after = settings.WORKER_LOST_AFTER_SECONDS
    # Silent for half of it, then PROBES probes over the other half.
    idle, interval = max(1, lost_after // 2), max(1, lost_after // (2 * PROBES))
    with connection.cursor() as cursor:
        while True:
            token = secrets.randbelow(TOKENS) + 1
            cursor.execute(TAKE_SQL, [str(idle), str(interval), str(PROBES), LOCK_SPACE, token])
            if cursor.fetchone()[-1]:
                return token  # else a live worker drew it: draw again


def _release(token: int) -> None:
    advisory_unlock(LOCK_SPACE, token)


# The two-key advisory locks, shared with crm.imports.liveness (its own key space).


def advisory_keys_held(space: int) -> set[int]:
    """The second keys of the two-key advisory locks in this space that a live
    connection holds on this database (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(HELD_SQL, [space])
        return {key for (key,) in cursor.fetchall()}


def advisory_unlock(space: int, key: int) -> None:
    """Released by hand: a worker's connection outlives its job (SimpleWorker, threads)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [space, key])
    except DatabaseError:
        pass  # the connection broke, and the server dropped the lock with it
