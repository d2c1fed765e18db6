"""Shared fixtures: the named personas, and the rule that a test needing a real
PostgreSQL, Redis or browser fails under CI=true instead of skipping."""

import os
import shutil

import django_rq
import pytest
from django.conf import settings
from django.db import connection

from crm.roles import Role
from crm.throttling import bearer_failures_forget
from followups.calling_hours import forget_calling_hours, forget_holidays
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
# The addresses tests give their requests (documentation ranges, RFC 5737).
TEST_IPS = [
    f"{net}.{host}" for net in ("192.0.2", "198.51.100", "203.0.113") for host in range(1, 51)
]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need(available: bool, what: str) -> None:
    """Skip when a real service is missing, except in CI where that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


@pytest.fixture(autouse=True)
def fresh_holidays():
    """A test's holidays and calling hours vanish with its rolled-back
    transaction, which sends no signal: forget the process's copies between tests."""
    forget_holidays()
    forget_calling_hours()
    yield
    forget_holidays()
    forget_calling_hours()


@pytest.fixture(autouse=True)
def fresh_bearer_throttle():
    """Failed API tokens and webhook secrets are counted per address in the cache, which
    outlives each test's database: every test starts with none from the test client."""
    yield
    for scope in ("api", "webhook"):
        for ip in ("127.0.0.1", *TEST_IPS):
            bearer_failures_forget(scope=scope, ip=ip)


@pytest.fixture
def postgres(db):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_url():
    need(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    return settings.REDIS_URL


@pytest.fixture
def rq_queue(redis_url, settings):
    """The default RQ queue, empty, with jobs queued on it (JOBS_MODE "rq")."""
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


@pytest.fixture
def chromium_path():
    need(bool(CHROMIUM), "Debian's chromium package")
    return CHROMIUM


@pytest.fixture
def rep_alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Rep", role=Role.REP)


@pytest.fixture
def rep_bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Rep", role=Role.REP)


@pytest.fixture
def manager_maria(db):
    return UserFactory(username="maria", first_name="Maria", last_name="Manager", role=Role.MANAGER)


@pytest.fixture
def mailroom_max(db):
    return UserFactory(username="max", first_name="Max", last_name="Mailroom", role=Role.MAILROOM)


@pytest.fixture
def alice(client, rep_alice):
    """The test client, signed in as rep Alice."""
    client.force_login(rep_alice)
    return client


@pytest.fixture
def maria(client, manager_maria):
    """The test client, signed in as manager Maria."""
    client.force_login(manager_maria)
    return client
