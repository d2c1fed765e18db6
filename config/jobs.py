"""Putting work on the queues.

JOBS_MODE says how a job runs:
- "rq" (REDIS_URL set): enqueued on RQ after the current transaction commits,
  so the worker sees the rows it is given ids of;
- "thread" (the embedded default, `make run` without Redis): after commit, on
  one background thread in this process, so pages stay responsive and show
  progress as they would in production;
- "inline" (tests): at once, inside the caller's transaction.
If Redis is down the job is logged and lost, never the data: the database
stays the source of truth for what is due.
"""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import django_rq
from django.conf import settings
from django.db import close_old_connections, transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")


def enqueue(func: Callable[..., object], *args: object, queue: str = "default") -> None:
    if settings.JOBS_MODE == "inline":
        func(*args)
    elif settings.JOBS_MODE == "thread":
        transaction.on_commit(lambda: _runner.submit(_run_in_thread, func, args))
    else:
        transaction.on_commit(lambda: _enqueue_now(func, args, queue))


def _enqueue_now(func: Callable[..., object], args: tuple, queue: str) -> None:
    try:
        django_rq.get_queue(queue).enqueue(func, *args)
    except RedisError:
        logger.exception("Could not enqueue %s%r on %s", func.__qualname__, args, queue)


def _run_in_thread(func: Callable[..., object], args: tuple) -> None:
    try:
        func(*args)
    except Exception:
        logger.exception("Job %s%r failed", func.__qualname__, args)
    finally:
        close_old_connections()
