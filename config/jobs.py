"""Putting work on the RQ queues.

With REDIS_URL set, a job is enqueued after the current transaction commits,
so the worker sees the rows it is given ids of. Without it (the embedded
SQLite default, and most tests) the job runs in-process straight away, inside
the caller's transaction. If Redis is down the job is lost, never the data:
the database stays the source of truth for what is due.
"""

import logging
from collections.abc import Callable

import django_rq
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue(func: Callable[..., object], *args: object, queue: str = "default") -> None:
    if settings.JOBS_INLINE:
        func(*args)
        return
    transaction.on_commit(lambda: _enqueue_now(func, args, queue))


def _enqueue_now(func: Callable[..., object], args: tuple, queue: str) -> None:
    try:
        django_rq.get_queue(queue).enqueue(func, *args)
    except RedisError:
        logger.exception("Could not enqueue %s%r on %s", func.__qualname__, args, queue)
