"""Replies, bounces and complaints: the generic JSON webhook and anymail's signals."""

import datetime as dt
import json

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking

from crm.models import Interaction, Lead
from followups.cadences.services import enrolment_create
from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.consent.addresses import email_digest
from mailings.consent.unsubscribes import unsubscribe_token
from mailings.models import OutboxEmail, Suppression
from tests.mailings.factories import ConsentingLeadFactory, email_cadence

pytestmark = pytest.mark.usefixtures("clock")
URL = "/m/webhooks/inbound/"


@pytest.fixture
def lead(db, smtp, clock):
    """Ada got the first email of a two-step cadence an hour ago; the second is planned."""
    lead = ConsentingLeadFactory(email="ada@example.org")
    enrolment_create(cadence=email_cadence(0, 24, slug="expo"), lead=lead, source="test")
    scheduler_pass()
    clock.shift(dt.timedelta(hours=1))
    return lead


def the_next_email(lead) -> Touch:
    return Touch.objects.get(lead=lead, step__position=2)


def post(client, body, token="test-webhook-secret"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def cadence_status(lead) -> tuple[str, str]:
    enrolment = Enrolment.objects.get(lead=lead)
    return enrolment.status, enrolment.exit_reason


def test_a_reply_by_message_id_is_recorded_and_ends_the_cadence(client, lead):
    outbox = OutboxEmail.objects.get(lead=lead)
    assert outbox.message_id.startswith("<cadence.")

    response = post(
        client,
        {
            "event": "reply",
            "email": "someone.else@example.org",
            "message_id": outbox.message_id,
            "text": "Call me",
            "id": "evt-1",
        },
    )

    assert response.status_code == 200
    assert response.json() == {"done": ["reply recorded: the cadences that end on a reply ended"]}
    reply = Interaction.objects.get(kind="email_replied")
    assert (reply.lead, reply.notes) == (lead, "Call me")
    assert cadence_status(lead) == ("exited", "Reply to an email")
    assert OutboxEmail.objects.get(pk=outbox.pk).replied_at is not None
    next_email = the_next_email(lead)
    assert (next_email.status, next_email.outcome) == (Touch.Status.CANCELLED, "Reply to an email")


def test_a_reply_ends_only_the_cadences_that_end_on_one(client, lead):
    keeps_going = email_cadence(24, slug="newsletter", exit_on=["unsubscribed"])
    enrolment_create(cadence=keeps_going, lead=lead, source="test")
    outbox = OutboxEmail.objects.get(lead=lead)
    body = {"event": "reply", "email": lead.email, "message_id": outbox.message_id}

    post(client, body)

    assert Enrolment.objects.get(cadence=keeps_going).status == "active"
    assert Enrolment.objects.get(cadence=outbox.enrolment.cadence).status == "exited"


def test_a_reply_sent_twice_is_recorded_once(client, lead):
    body = {"event": "reply", "email": "ada@example.org", "id": "evt-7"}
    post(client, body), post(client, body)

    assert Interaction.objects.filter(kind="email_replied").count() == 1


def test_a_hard_bounce_suppresses_the_address(client, lead):
    post(client, [{"event": "bounce", "email": "ADA@example.org"}])

    assert Suppression.objects.get(email_digest=email_digest(lead.email)).reason == "bounced"
    assert cadence_status(lead) == ("exited", "An email to them bounces")
    assert the_next_email(lead).status == Touch.Status.CANCELLED


def test_a_soft_bounce_changes_nothing(client, lead):
    response = post(client, {"event": "bounce", "email": lead.email, "permanent": False})

    assert response.status_code == 200
    assert not Suppression.objects.exists()
    assert cadence_status(lead) == ("active", "")
    assert the_next_email(lead).status == Touch.Status.PENDING


def test_a_complaint_unsubscribes_and_suppresses(client, lead):
    post(client, {"event": "complaint", "email": lead.email})

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert Suppression.objects.get().reason == "unsubscribed"
    assert cadence_status(lead) == ("exited", "Unsubscribe")


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"event": "explode", "email": "ada@example.org"}, {"0": ["event"]}),
        ({"event": "reply"}, {"0": ["email"]}),
        (
            [{"event": "reply", "email": "ada@example.org"}, {"email": "nope"}],
            {"1": ["email", "event"]},
        ),
        ([], {"body": None}),
        ("{not json", {"body": None}),
        ("[1, 2]", {"0": ["email", "event"], "1": ["email", "event"]}),
    ],
)
def test_bad_events_get_field_errors_and_none_is_acted_on(client, lead, body, fields):
    response = post(client, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == set(fields)
    for key, names in fields.items():
        if names:
            assert sorted(errors[key]) == names
    assert not Interaction.objects.filter(kind="email_replied").exists()


@pytest.mark.parametrize("token", [None, "wrong"])
def test_the_webhook_needs_the_secret(client, lead, token):
    response = post(client, {"event": "complaint", "email": lead.email}, token=token)

    assert response.status_code == 401
    assert not Suppression.objects.exists()


def test_anymail_tracking_bounces_and_complaints_act_like_the_webhook(lead):
    event = AnymailTrackingEvent(event_type="bounced", recipient=lead.email, message_id="x")
    tracking.send(sender=object, event=event, esp_name="Postmark")

    assert cadence_status(lead) == ("exited", "An email to them bounces")


def test_an_anymail_inbound_reply_is_matched_by_in_reply_to(lead):
    outbox = OutboxEmail.objects.get(lead=lead)
    message = AnymailInboundMessage.construct(
        from_email="Ada <ada@example.org>",
        to="hello@example.com",
        subject="Re: Hello",
        text="Yes please",
        headers=[("In-Reply-To", outbox.message_id)],
    )
    event = AnymailInboundEvent(event_type="inbound", message=message, event_id="in-1")

    inbound.send(sender=object, event=event, esp_name="Mailgun")

    reply = Interaction.objects.get(kind="email_replied")
    assert (reply.notes.strip(), reply.data) == ("Yes please", {"outbox": outbox.pk})
    assert cadence_status(lead) == ("exited", "Reply to an email")


def test_an_email_to_the_list_unsubscribe_mailto_unsubscribes(lead):
    outbox = OutboxEmail.objects.get(lead=lead)
    message = AnymailInboundMessage.construct(
        from_email="ada@example.org",
        to="unsubscribe@example.com",
        subject=f"unsubscribe {unsubscribe_token(outbox.pk, lead.email)}",
    )

    inbound.send(
        sender=object,
        event=AnymailInboundEvent(event_type="inbound", message=message),
        esp_name="Mailgun",
    )

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert cadence_status(lead) == ("exited", "Unsubscribe")


def test_failed_secrets_from_one_address_are_throttled_even_the_right_one(client, lead, settings):
    for _ in range(settings.BEARER_FAILURE_LIMIT):
        assert post(client, {"event": "complaint", "email": lead.email}, "guess").status_code == 401

    response = post(client, {"event": "complaint", "email": lead.email})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.BEARER_FAILURE_WINDOW_SECONDS
    assert response.json() == {
        "errors": {"authorization": ["Too many failed attempts; try again later."]}
    }
    assert not Suppression.objects.exists()
