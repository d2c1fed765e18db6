"""Sending interrupted: a cadence that ends while its emails are queued or being
sent, and a worker that dies mid-batch (its emails checked again, finished once)."""

import datetime as dt

import pytest

from crm.models import Interaction
from crm.services import interaction_record
from followups.cadences.services import enrolments_exit
from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.email.sending import SENDING_LEASE, emails_send
from mailings.email.steps import outboxes_for
from mailings.models import OutboxEmail
from tests.mailings.conftest import NOW
from tests.mailings.email.batches import claim, enrol, the_touch
from tests.mailings.factories import email_cadence
from tests.workers import another_live_worker

pytestmark = pytest.mark.usefixtures("clock")


def test_an_email_of_a_cadence_ended_after_it_was_queued_is_not_sent(cadence, smtp, clock):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))
    clock.shift(dt.timedelta(minutes=1))
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")

    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.CANCELLED, "Reply to an email")
    assert Enrolment.objects.get(lead=lead).status == "exited"
    assert not Touch.objects.filter(lead=lead, step__position=2).exists()


def test_an_email_left_sending_by_a_dead_worker_is_checked_again_before_it_goes(
    cadence, smtp, clock
):
    lead = enrol(cadence)
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])  # the dead worker had made its outbox row
    OutboxEmail.objects.filter(touch=touch).update(
        status="sending", sending_at=NOW - SENDING_LEASE - dt.timedelta(seconds=1)
    )
    clock.shift(dt.timedelta(minutes=1))
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")

    emails_send(touch_ids=[touch.pk])

    assert not smtp.messages
    outbox = OutboxEmail.objects.get(touch=touch)
    assert (outbox.status, outbox.last_error) == ("cancelled", "Reply to an email")
    assert Touch.objects.get(pk=touch.pk).outcome == "Reply to an email"


def test_an_email_being_sent_when_its_cadence_ends_is_left_to_its_worker(cadence, smtp, clock):
    lead = enrol(cadence)
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(status="sending", sending_at=NOW)
    clock.shift(dt.timedelta(minutes=1))

    enrolments_exit(lead=lead, reason="Removed by hand")

    # Within its lease the worker may be handing it to the server right now: only
    # the server's answer says whether it went.
    assert OutboxEmail.objects.get(touch=touch).status == "sending"
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.CANCELLED


DEAD_WORKER = 424_242  # a worker token (config.liveness) no connection holds


def left_sending(lead, *, by: int) -> Touch:
    """The lead's email touch claimed, its email marked `sending` now by worker `by`."""
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(
        status="sending", sending_at=NOW, worker_token=by, message_id="<first@crm.example.com>"
    )
    return touch


def test_an_email_a_dead_worker_left_sending_goes_at_once_with_its_message_id(
    postgres, cadence, smtp
):
    lead = enrol(cadence)
    touch = left_sending(lead, by=DEAD_WORKER)

    emails_send(touch_ids=[touch.pk])  # the same minute: no lease to wait out

    assert [message["Message-ID"] for message in smtp.to(lead.email)] == ["<first@crm.example.com>"]
    assert OutboxEmail.objects.get(touch=touch).status == "sent"


def test_an_email_a_live_worker_is_sending_is_left_to_it_past_any_lease(
    postgres, cadence, smtp, clock
):
    lead = enrol(cadence)
    with another_live_worker() as token:
        touch = left_sending(lead, by=token)
        clock.shift(SENDING_LEASE * 2)

        report = emails_send(touch_ids=[touch.pk])

        assert (report["in another worker's hands"], smtp.messages) == (1, [])
    emails_send(touch_ids=[touch.pk])  # that worker is gone now
    assert len(smtp.to(lead.email)) == 1


def test_when_a_cadence_ends_a_dead_workers_email_is_cancelled_and_a_live_ones_left(
    postgres, cadence, smtp, clock
):
    dead_workers, live_workers = enrol(cadence), enrol(cadence)
    with another_live_worker() as token:
        left_sending(dead_workers, by=DEAD_WORKER)
        left_sending(live_workers, by=token)

        for lead in (dead_workers, live_workers):
            enrolments_exit(lead=lead, reason="Removed by hand")

        statuses = dict(OutboxEmail.objects.values_list("lead", "status"))
    assert statuses == {dead_workers.pk: "cancelled", live_workers.pk: "sending"}


# Cadences


def test_a_sent_email_moves_its_cadence_to_the_next_step_once_when_sending_runs_again(
    cadence, smtp
):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))

    emails_send(touch_ids=touch_ids)
    emails_send(touch_ids=touch_ids)  # the job run twice

    assert len(smtp.to(lead.email)) == 1
    assert the_touch(lead).status == Touch.Status.DONE
    second = Touch.objects.get(lead=lead, step__position=2)  # planned once
    assert (second.status, second.due_at) == (Touch.Status.PENDING, NOW + dt.timedelta(hours=24))
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.step_id, enrolment.attempt) == (second.step_id, 1)
    assert Interaction.objects.filter(lead=lead, kind=Interaction.Kind.EMAIL_SENT).count() == 1


def test_an_email_marked_sent_by_a_worker_that_died_is_finished_once_and_not_sent_again(
    cadence, smtp
):
    lead = enrol(cadence)
    touch = the_touch(lead)
    touch_ids = claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(status="sent", sent_at=NOW)

    emails_send(touch_ids=touch_ids)
    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    assert Touch.objects.filter(lead=lead, step__position=2).count() == 1
    assert Interaction.objects.filter(lead=lead, kind=Interaction.Kind.EMAIL_SENT).count() == 1


def test_the_last_email_sent_finishes_the_cadence(db, smtp, clock):
    cadence = email_cadence(0, slug="once")
    lead = enrol(cadence)

    scheduler_pass()

    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.status, enrolment.exit_reason) == ("finished", "Went through every step")


def test_a_touch_whose_enrolment_was_exited_is_not_sent(cadence, smtp, clock):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))

    enrolments_exit(lead=lead, reason="Removed by Maria Manager")
    emails_send(touch_ids=touch_ids)
    clock.shift(dt.timedelta(days=2))
    scheduler_pass()

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.CANCELLED, "Removed by Maria Manager")
    assert not OutboxEmail.objects.filter(lead=lead).exists()


def test_a_claimed_touch_of_an_enrolment_that_ended_meanwhile_is_dropped_with_the_reason(
    cadence, smtp
):
    """The enrolment ended between the claim and the send, without its touch being
    taken back (a race): the worker checks the enrolment itself."""
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))
    Enrolment.objects.filter(lead=lead).update(status="exited", exit_reason="Unsubscribe")

    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "Cadence ended: Unsubscribe")
    assert OutboxEmail.objects.get(touch=touch).status == "cancelled"
