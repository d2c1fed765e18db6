import datetime as dt

import pytest

from crm import periodic
from crm.models import PeriodicRun

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
calls: list[str] = []


def record(now: str) -> None:
    calls.append(now)


@pytest.fixture
def task(monkeypatch):
    calls.clear()
    every = dt.timedelta(minutes=5)
    monkeypatch.setitem(periodic._tasks, "test-task", periodic.Task("test-task", record, every))


@pytest.mark.django_db
def test_a_task_is_queued_once_per_interval(task):
    assert "test-task" in periodic.enqueue_due(NOW)  # jobs run inline in tests
    assert "test-task" not in periodic.enqueue_due(NOW + dt.timedelta(minutes=4))
    assert "test-task" in periodic.enqueue_due(NOW + dt.timedelta(minutes=5))

    assert calls == [NOW.isoformat(), (NOW + dt.timedelta(minutes=5)).isoformat()]
    assert PeriodicRun.objects.get(name="test-task").last_queued_at == NOW + dt.timedelta(minutes=5)


def test_queueing_tasks_before_they_are_installed_fails_loudly(monkeypatch):
    monkeypatch.setattr(periodic, "_tasks", None)

    with pytest.raises(RuntimeError, match="FlowConfig"):
        periodic.enqueue_due(NOW)
