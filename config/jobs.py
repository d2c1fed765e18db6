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

A job is a function (or the JobHandle of one, below), never its dotted path:
a path hides from import-linter, grep and the IDE which module queues which
job. RQ is still handed the function, which it stores by its path
(module.name) for the worker to import, so a job must be a module-level
function; its arguments are ids, never personal data.
"""

import datetime as dt
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from pathlib import Path

import django_rq
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")


class JobHandle:
    """A job a service queues though it may not import the job's function: the
    jobs module imports the service (a job loads rows by id and calls it), so the
    service importing the jobs module back would be a cycle. The handle is
    declared beside the service, which queues it (`enqueue(HANDLE, pk)`); the
    jobs module, which imports the service anyway, says which function runs it:

        @services.LEAD_IMPORT_RUN.runs
        def lead_import_run(lead_import_id: int) -> None: ...

    Chosen over passing the callable in from the caller, because the callers
    (views, the scheduler, other jobs) would all have to know the job: here the
    service keeps queueing its own work and every tool sees both ends. Every
    jobs.py of the project's apps is imported at start (jobs_modules_import,
    from config.apps.FlowConfig), so a handle has its function in every process
    (tests/test_jobs.py checks that each one does)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._job: Callable[..., object] | None = None
        _handles.append(self)

    def __repr__(self) -> str:
        return f"<JobHandle {self.name}>"

    def runs(self, job: Callable[..., object]) -> Callable[..., object]:
        """Decorator: `job` runs this handle's work (outermost, above
        with_fresh_connections, so the function registered is the module's)."""
        if self._job is not None and self._job is not job:
            raise ValueError(f"{self!r} is run by {self._job.__qualname__} already")
        self._job = job
        return job

    @property
    def job(self) -> Callable[..., object]:
        if self._job is None:
            raise LookupError(f"No job runs {self!r}: is its jobs module imported?")
        return self._job


_handles: list[JobHandle] = []


def handles() -> list[JobHandle]:
    return list(_handles)


Job = Callable[..., object] | JobHandle


def enqueue(func: Job, *args: object, queue: str = "default") -> None:
    job = _callable(func)
    if settings.JOBS_MODE == "inline":
        job(*args)
    elif settings.JOBS_MODE == "thread":
        transaction.on_commit(lambda: _runner.submit(_run_in_thread, job, args))
    else:
        transaction.on_commit(lambda: _enqueue_now(job, args, queue))


def _callable(func: Job) -> Callable[..., object]:
    if isinstance(func, str):
        raise TypeError(f"Queue the job function or its JobHandle, not a dotted path: {func!r}")
    return func.job if isinstance(func, JobHandle) else func


def jobs_modules_import() -> None:
    """Import every jobs.py of the project's apps (its top-level packages), so
    each registers its functions for their JobHandles before anything is queued."""
    root = Path(settings.BASE_DIR)
    for app in apps.get_app_configs():
        folder = Path(app.path).resolve()
        if folder.parent != root:
            continue
        for module in sorted(folder.rglob("jobs.py")):
            import_module(".".join(module.relative_to(root).with_suffix("").parts))


def _enqueue_now(func: Callable[..., object], args: tuple, queue: str) -> None:
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


def _run_in_thread(func: Callable[..., object], args: tuple) -> None:
    try:
        func(*args)
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
