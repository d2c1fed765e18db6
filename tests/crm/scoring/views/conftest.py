"""Every scoring page test runs at noon on a known day with known rules."""

import pytest
import time_machine

from crm.scoring import services
from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import NOW, Kind
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def known_rules() -> dict[str, ScoringRule]:
    """The rules the tests count on, whatever the migration installs."""
    ScoringRule.objects.all().delete()
    rules = [
        ScoringRule(kind=Kind.BOOTH_VISIT, points=20, half_life_days=60),
        ScoringRule(kind=Kind.PURCHASE, points=50, half_life_days=180),
        ScoringRule(kind=Kind.EMAIL_BOUNCED, points=-10, half_life_days=0),
        ScoringRule(kind=Kind.WEB_VISIT, points=5, half_life_days=7, is_active=False),
    ]
    return {rule.kind: rule for rule in ScoringRule.objects.bulk_create(rules)}


@pytest.fixture
def rescored(monkeypatch) -> list[list[str]]:
    """The kinds of each rescore queued (jobs still run, inline, as in every test)."""
    queued = []
    enqueue = services.enqueue

    def spy(func, *args, **kwargs):
        if func is services.SCORES_RECOMPUTE:
            queued.append(args[0])
        return enqueue(func, *args, **kwargs)

    monkeypatch.setattr(services, "enqueue", spy)
    return queued


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client
