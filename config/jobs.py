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

A job is a function or its dotted path; the path lets a service queue a job
whose module imports that service.
"""

import datetime as dt
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import django_rq
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")


Job = Callable[..., object] | str


def enqueue(func: Job, *args: object, queue: str = "default") -> None:
    if settings.JOBS_MODE == "inline":
        _callable(func)(*args)
    elif settings.JOBS_MODE == "thread":
        transaction.on_commit(lambda: _runner.submit(_run_in_thread, func, args))
    else:
        transaction.on_commit(lambda: _enqueue_now(func, args, queue))


def _callable(func: Job) -> Callable[..., object]:
    return import_string(func) if isinstance(func, str) else func


def _enqueue_now(func: Job, args: tuple, queue: str) -> None:
    try:
        django_rq.get_queue(queue).enqueue(func, *args)
    except RedisError:
        logger.exception("Could not enqueue %s%r on %s", func, args, queue)


def oldest_waiting_since(queue: str) -> dt.datetime | None:
    """When the job at the head of the queue (the next a worker takes) was queued:
    None when none waits, when Redis can't say, and in the other modes, where
    jobs wait in this process or not at all."""
    if settings.JOBS_MODE != "rq":
        return None
    try:
        rq_queue = django_rq.get_queue(queue)
        head = rq_queue.get_job_ids(0, 1)
        job = rq_queue.fetch_job(head[0]) if head else None
    except RedisError:
        logger.exception("Could not read the head of the %s queue", queue)
        return None
    return job.enqueued_at if job else None


def _run_in_thread(func: Job, args: tuple) -> None:
    try:
        _callable(func)(*args)
    except Exception:
        logger.exception("Job %s%r failed", func, args)
    finally:
        close_old_connections()


def with_fresh_connections(job: Callable[..., object]) -> Callable[..., object]:
    """For jobs run by a long-lived worker process (rq's SimpleWorker, as the mail
    queue runs): outside a request nothing closes a database connection that
    broke or aged, so the job does it before and after, as a request would."""

    @functools.wraps(job)
    def run(*args, **kwargs):
        _close_stale_connections()
        try:
            return job(*args, **kwargs)
        finally:
            _close_stale_connections()

    return run


def _close_stale_connections() -> None:
    # Not inside a transaction: a job run inline (tests) is part of its caller's.
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
