"""Whether the process running an import is still alive, as the system knows it.

A worker can die at any moment (kill -9, the out-of-memory killer, a lost
machine). The import's transaction then rolls back by itself, but its
LeadImport row still says "importing". A heartbeat would need a clock and a
guess at how long is too long; instead, the process running an import holds a
lock that the system releases the moment that process dies, so "nobody holds
it" means dead, exactly, and needs no waiting:

- on PostgreSQL, a session-level advisory lock on the job's own connection (the
  server drops it with the connection; reading pg_locks tells who holds one,
  from any connection, without taking it);
- on SQLite (everything on one machine), an exclusive flock on a file per
  import beside the database file (the kernel drops it when the process exits,
  however it exits).
"""

import atexit
import fcntl
import functools
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from django.db import connection

from config.liveness import advisory_keys_held, advisory_unlock

# The first key of the two-key advisory locks saying an import is alive (the second
# is its id). No other two-key lock in the project uses it; the one-key locks
# (one import at a time, find-or-create) are another key space.
LOCK_SPACE = 7_310_413


def import_lock(lead_import_id: int) -> AbstractContextManager[bool]:
    """Hold the import's lock while the block runs: True, or False (holding nothing)
    when a live process holds it already, and the caller leaves the import to it."""
    if connection.vendor == "postgresql":
        return _advisory_lock(lead_import_id)
    return _file_lock(lead_import_id)


def imports_held(lead_import_ids: Collection[int]) -> set[int]:
    """The imports among these whose lock a live process holds (this one included)."""
    if not lead_import_ids:
        return set()
    if connection.vendor == "postgresql":
        return advisory_keys_held(LOCK_SPACE) & set(lead_import_ids)
    return {pk for pk in lead_import_ids if _file_lock_held(pk)}


@contextmanager
def _advisory_lock(key: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            advisory_unlock(LOCK_SPACE, key)


@contextmanager
def _file_lock(key: int) -> Iterator[bool]:
    descriptor = os.open(_lock_path(key), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield _try_flock(descriptor)
    finally:
        os.close(descriptor)  # which releases the lock


def _file_lock_held(key: int) -> bool:
    try:
        descriptor = os.open(_lock_path(key), os.O_RDWR)
    except FileNotFoundError:
        return False  # never taken on this database
    try:
        return not _try_flock(descriptor)
    finally:
        os.close(descriptor)


def _try_flock(descriptor: int) -> bool:
    """flock, unlike POSIX record locks, belongs to the open file: a thread of the
    same process (the embedded job runner) conflicts with it like another process."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _lock_path(key: int) -> Path:
    """Beside the database file, so that exactly the processes sharing the database
    share its locks; an in-memory database (tests) belongs to one process."""
    if connection.is_in_memory_db():
        folder = _process_folder()
    else:
        database = Path(connection.settings_dict["NAME"])
        folder = database.with_name(f"{database.name}-import-locks")
        folder.mkdir(exist_ok=True)
    return folder / f"{key}.lock"


@functools.cache
def _process_folder() -> Path:
    folder = tempfile.mkdtemp(prefix="crm-import-locks-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)
