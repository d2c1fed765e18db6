import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from followups.models import Touch
from mailings.models import Enrolment, OutboxEmail

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo_drips", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_leads():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", leads=1500, reps=3, seed=5, stdout=StringIO())


def test_the_demo_drip_has_an_ab_tested_history_and_emails_still_to_send(demo_leads):
    output = seed()

    assert "leads enrolled" in output
    sent = OutboxEmail.objects.filter(status="sent")
    assert set(sent.values_list("variant__label", flat=True)) == {"A", "B"}
    assert sent.filter(opened_at__isnull=False).exists()
    assert not sent.filter(sent_at__gte=NOW).exists()
    pending = OutboxEmail.objects.filter(status="pending").select_related("touch", "lead")
    assert pending.exists()
    assert all(email.touch.due_at > NOW and email.lead.can_email for email in pending)
    assert not Touch.objects.filter(channel="email", status="pending", due_at__lte=NOW).exists()
    stopped = Enrolment.objects.filter(status="stopped")
    assert set(stopped.values_list("stop_reason", flat=True)) <= {"Replied"}


def test_seeding_twice_adds_nothing_with_if_empty(demo_leads):
    seed()
    count = OutboxEmail.objects.count()

    assert "already" in seed("--if-empty")
    assert OutboxEmail.objects.count() == count
