"""Real RQ worker processes for the tests that need them, on the test database,
and a live worker's token."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from config import liveness

ROOT = Path(__file__).resolve().parents[1]


def rq_worker_process(queue: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`manage.py rqworker QUEUE --burst` (rq's SimpleWorker) in its own process group."""
    command = [sys.executable, "manage.py", "rqworker", queue, "--burst"]
    return subprocess.Popen(
        [*command, "--worker-class", "rq.SimpleWorker"],
        cwd=ROOT,
        env=worker_environment() | (env or {}),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def worker_environment() -> dict[str, str]:
    """A worker process's environment: the test database and Redis, jobs on RQ."""
    db = connection.settings_dict
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "JOBS_MODE": "rq",
        "SITE_URL": settings.SITE_URL,
        "LOG_LEVEL": "WARNING",
    }


def another_connection() -> psycopg.Connection:
    """A connection of its own to the test database (PostgreSQL), as another
    process would have; autocommit."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    )


@contextmanager
def another_live_worker() -> Iterator[int]:
    """A worker token (config.liveness) held by another connection, as a live
    worker's is, until the block ends and that connection with it (PostgreSQL)."""
    with another_connection() as other:
        token = 1_000_001
        other.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_SPACE, token])
        yield token
    wait_for_postgres_to_drop_dead_workers()


def wait_for_postgres_to_drop_dead_workers() -> None:
    """A closed or killed worker's session ends as soon as PostgreSQL reads its
    socket, and its token with it: milliseconds, but after the client has moved on."""
    deadline = time.monotonic() + 10
    while liveness.tokens_held() and time.monotonic() < deadline:
        time.sleep(0.05)
