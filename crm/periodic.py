"""Work that falls due with time rather than with an event: carts abandoned an
hour after their last activity, audience rules with "in the last N days", scores
that decay. Each task is registered once (from an AppConfig.ready) with how
often it runs; the scheduler pass queues the ones due.

The database says what is due (one PeriodicRun row per task, claimed with a
row lock that other schedulers skip), Redis only carries the job, and a task
must be safe to run twice or late: a lost job just runs at the next interval.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

from config.jobs import enqueue
from crm.models import PeriodicRun


@dataclass(frozen=True)
class Task:
    name: str
    job: str  # the dotted path of a job taking `now` as an ISO string
    every: dt.timedelta
    queue: str = "default"


_tasks: dict[str, Task] = {}


def register(name: str, job: str, *, every: dt.timedelta, queue: str = "default") -> None:
    _tasks[name] = Task(name, job, every, queue)


def registered() -> list[Task]:
    return sorted(_tasks.values(), key=lambda task: task.name)


def enqueue_due(now: dt.datetime) -> list[str]:
    """Queue every registered task whose interval has passed; the names queued."""
    queued = []
    for task in registered():
        if _claim(task, now):
            enqueue(task.job, now.isoformat(), queue=task.queue)
            queued.append(task.name)
    return queued


def _claim(task: Task, now: dt.datetime) -> bool:
    with transaction.atomic():
        PeriodicRun.objects.get_or_create(name=task.name)
        runs = PeriodicRun.objects.filter(name=task.name)
        if connection.features.has_select_for_update_skip_locked:
            runs = runs.select_for_update(skip_locked=True)
        run = runs.first()
        if run is None or (run.last_queued_at and run.last_queued_at > now - task.every):
            return False
        run.last_queued_at = now
        run.save(update_fields=["last_queued_at"])
        return True
