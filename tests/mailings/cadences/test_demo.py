import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.models import OutboxEmail

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo_cadences", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_leads():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", leads=1500, reps=3, seed=5, stdout=StringIO())


def demo_emails():
    return OutboxEmail.objects.filter(enrolment__cadence__installed="")


def test_the_demo_cadence_has_an_ab_tested_history_and_emails_still_to_send(demo_leads):
    output = seed()

    assert "leads enrolled" in output
    sent = demo_emails().filter(status="sent")
    assert set(sent.values_list("variant__label", flat=True)) == {"A", "B"}
    assert sent.filter(opened_at__isnull=False).exists()
    assert not sent.filter(sent_at__gte=NOW).exists()
    pending = demo_emails().filter(status="pending").select_related("touch", "lead")
    assert pending.exists()
    assert all(email.touch.due_at > NOW and email.lead.can_email for email in pending)
    assert not Touch.objects.filter(channel="email", status="pending", due_at__lte=NOW).exists()
    exited = Enrolment.objects.filter(status="exited")
    assert set(exited.values_list("exit_reason", flat=True)) <= {"Reply to an email"}


def test_each_open_demo_enrolment_is_on_the_step_its_pending_email_is_for(demo_leads):
    seed()

    active = Enrolment.objects.filter(status="active", cadence__installed="")
    assert active.exists()
    for enrolment in active.select_related("step"):
        (touch,) = enrolment.touches.filter(status="pending")
        assert (touch.step_id, touch.attempt) == (enrolment.step_id, enrolment.attempt)
        assert touch.email.variant.step_id == enrolment.step_id


def test_the_scheduler_sends_the_demo_cadences_next_email_when_it_is_due(demo_leads, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MAIL_SEND_WEEKDAYS = list(range(7))
    settings.MAIL_SEND_HOURS = ("00:00", "23:59:59.999999")
    seed()
    first = demo_emails().filter(status="pending").order_by("touch__due_at").first()

    with time_machine.travel(first.touch.due_at, tick=False):
        scheduler_pass()

    first.refresh_from_db()
    assert first.status == "sent"
    assert first.touch.status == "done"
    enrolment = Enrolment.objects.get(pk=first.enrolment_id)
    assert enrolment.status == "finished"  # its last step


def test_seeding_twice_adds_nothing_with_if_empty(demo_leads):
    seed()
    count = OutboxEmail.objects.count()

    assert "already" in seed("--if-empty")
    assert OutboxEmail.objects.count() == count
