"""Work that falls due with time rather than with an event: carts abandoned an
hour after their last activity, audience rules with "in the last N days", scores
that decay: the mechanism. The tasks, each with how often it runs, are declared
in one list, config/flow.py's PERIODIC_TASKS, installed here at start (crm
imports no app above it, and reports has a task too). The scheduler pass
(followups.scheduler.scheduler_pass, every few seconds from run_scheduler)
calls enqueue_due, which queues the ones due.

The database says what is due (one PeriodicRun row per task, claimed with a
row lock that other schedulers skip), Redis only carries the job, and a task
must be safe to run twice or late: a lost job just runs at the next interval.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from config.jobs import enqueue
from crm.models import PeriodicRun


@dataclass(frozen=True)
class Task:
    name: str
    job: Callable[[str], None]  # a job taking `now` as an ISO string
    every: dt.timedelta
    queue: str = "default"


_tasks: dict[str, Task] | None = None


def install(tasks: Sequence[Task]) -> None:
    """The tasks, replacing any installed before (config.apps.FlowConfig)."""
    global _tasks
    if len({task.name for task in tasks}) != len(tasks):
        raise ValueError("Two periodic tasks share a name (it keys their PeriodicRun row)")
    _tasks = {task.name: task for task in tasks}


def registered() -> list[Task]:
    """By name, so a pass queues them in the same order wherever they are listed."""
    if _tasks is None:
        raise RuntimeError(
            "No periodic tasks installed: config.apps.FlowConfig installs "
            "config.flow's from ready() (is it in INSTALLED_APPS, and Django set up?)"
        )
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
