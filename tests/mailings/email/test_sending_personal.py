"""Personal emails through the sender: a rep's words, sent as the rep, at once,
and never by the scheduler alone."""

import datetime as dt

import pytest

from crm.models import Interaction
from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from followups.scheduler import scheduler_pass
from mailings.email.sending import emails_send
from mailings.models import OutboxEmail
from tests.followups.cadences.factories import cadence_with
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory

pytestmark = pytest.mark.usefixtures("clock")

# Personal emails: a rep's words, sent as the rep


def personal_touch(lead) -> Touch:
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL}, {"channel": Channel.TASK, "wait": 24}, slug="intro"
    )
    StepVariantFactory(step=cadence.steps.get(position=1), subject="Hello {{ lead.first_name }}")
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return Touch.objects.get(lead=lead, channel=Channel.PERSONAL_EMAIL)


def rep_sends(touch: Touch, rep, *, subject: str, text: str) -> list[int]:
    """What the rep's Send does: the email as written, and the touch claimed by them."""
    step = touch.step
    OutboxEmail.objects.create(
        touch=touch,
        enrolment=touch.enrolment,
        step=step,
        variant=step.variants.first(),
        lead=touch.lead,
        sent_by=rep,
        subject=subject,
        html_body=f"<p>{text}</p>",
        text_body=text,
    )
    Touch.objects.filter(pk=touch.pk).update(
        status=Touch.Status.CLAIMED, claimed_by=rep, claimed_at=NOW
    )
    return [touch.pk]


def test_a_personal_email_goes_from_its_rep_and_replies_go_to_the_rep(smtp, rep_alice):
    lead = ConsentingLeadFactory(first_name="Ada", email="ada@example.org")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Our chat", text="Ada, as promised."))

    (message,) = smtp.to("ada@example.org")
    assert message["From"] == "Alice Rep <alice@example.com>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["Subject"] == "Our chat"
    assert "Ada, as promised." in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe"]  # still a way out, as in every email
    outbox = OutboxEmail.objects.get(touch=touch)
    assert (outbox.status, outbox.to_email, outbox.subject) == (
        "sent",
        "ada@example.org",
        "Our chat",
    )
    sent = Interaction.objects.get(lead=lead, kind=Interaction.Kind.EMAIL_SENT)
    assert sent.data["personal"] is True
    # Done, and the cadence goes on to its next step.
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.DONE
    assert Touch.objects.get(lead=lead, channel=Channel.TASK).status == Touch.Status.PENDING


def test_a_personal_email_is_sent_at_once_outside_the_send_window(smtp, rep_alice, clock):
    clock.move_to(dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC))  # 23:00 in New York
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Tonight", text="As discussed."))

    assert len(smtp.to("ada@example.org")) == 1


def test_a_personal_email_to_a_lead_who_unsubscribed_is_not_sent(smtp, rep_alice):
    lead = ConsentingLeadFactory(email="ada@example.org", email_consent="unsubscribed")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Hi", text="Hello"))

    assert not smtp.messages
    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "Unsubscribed")


def test_the_scheduler_never_sends_a_due_personal_email_by_itself(db, smtp, clock):
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)
    clock.shift(dt.timedelta(days=1))

    scheduler_pass()

    assert not smtp.messages
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.PENDING


def test_a_claimed_personal_email_the_rep_has_not_written_goes_back_to_the_rep(db, smtp):
    """Only the rep's Send writes a personal email: a claim without one (its job
    lost, or claimed some other way) is never filled in from the step's words
    and sent automatically; the touch goes back to the rep's queue."""
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)
    Touch.objects.filter(pk=touch.pk).update(status=Touch.Status.CLAIMED, claimed_at=NOW)

    emails_send(touch_ids=[touch.pk])

    assert not smtp.messages and not OutboxEmail.objects.exists()
    touch.refresh_from_db()
    assert (touch.status, touch.claimed_at) == (Touch.Status.PENDING, None)
    assert touch.held_reason == "Waiting for its rep to write and send it"
