"""Replies, bounces and complaints: the generic JSON webhook and anymail's signals."""

import json

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from mailings.drips import enrolment_create

from crm.models import Interaction, Lead
from mailings.addresses import email_digest
from mailings.models import Enrolment, OutboxEmail, Suppression
from mailings.unsubscribes import unsubscribe_token
from tests.mailings.factories import ConsentingLeadFactory, drip_with_steps

pytestmark = pytest.mark.usefixtures("clock")
URL = "/m/webhooks/inbound/"


@pytest.fixture
def lead(db):
    lead = ConsentingLeadFactory(email="ada@example.org")
    enrolment_create(drip=drip_with_steps(24, slug="expo"), lead=lead, source="test")
    return lead


def post(client, body, token="test-webhook-secret"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def drip_status(lead) -> tuple[str, str]:
    enrolment = Enrolment.objects.get(lead=lead)
    return enrolment.status, enrolment.stop_reason


def test_a_reply_by_message_id_is_recorded_and_ends_the_drip(client, lead):
    outbox = OutboxEmail.objects.get(lead=lead)
    OutboxEmail.objects.filter(pk=outbox.pk).update(message_id="<drip.1.1.1@crm.example.com>")

    response = post(
        client,
        {
            "event": "reply",
            "email": "someone.else@example.org",
            "message_id": "<drip.1.1.1@crm.example.com>",
            "text": "Call me",
            "id": "evt-1",
        },
    )

    assert response.status_code == 200
    assert response.json() == {"done": ["reply recorded: drips stopped"]}
    reply = Interaction.objects.get(kind="email_replied")
    assert (reply.lead, reply.notes) == (lead, "Call me")
    assert drip_status(lead) == ("stopped", "Replied")
    assert OutboxEmail.objects.get(pk=outbox.pk).status == "cancelled"


def test_a_reply_sent_twice_is_recorded_once(client, lead):
    body = {"event": "reply", "email": "ada@example.org", "id": "evt-7"}
    post(client, body), post(client, body)

    assert Interaction.objects.filter(kind="email_replied").count() == 1


def test_a_hard_bounce_suppresses_the_address(client, lead):
    post(client, [{"event": "bounce", "email": "ADA@example.org"}])

    assert Suppression.objects.get(email_digest=email_digest(lead.email)).reason == "bounced"
    assert drip_status(lead) == ("stopped", "Hard bounce")


def test_a_soft_bounce_changes_nothing(client, lead):
    response = post(client, {"event": "bounce", "email": lead.email, "permanent": False})

    assert response.status_code == 200
    assert not Suppression.objects.exists()
    assert drip_status(lead) == ("active", "")


def test_a_complaint_unsubscribes_and_suppresses(client, lead):
    post(client, {"event": "complaint", "email": lead.email})

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert Suppression.objects.get().reason == "unsubscribed"


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

    assert drip_status(lead) == ("stopped", "Hard bounce")


def test_an_anymail_inbound_reply_is_matched_by_in_reply_to(lead):
    outbox = OutboxEmail.objects.get(lead=lead)
    OutboxEmail.objects.filter(pk=outbox.pk).update(message_id="<drip.9@crm.example.com>")
    message = AnymailInboundMessage.construct(
        from_email="Ada <ada@example.org>",
        to="hello@example.com",
        subject="Re: Hello",
        text="Yes please",
        headers=[("In-Reply-To", "<drip.9@crm.example.com>")],
    )
    event = AnymailInboundEvent(event_type="inbound", message=message, event_id="in-1")

    inbound.send(sender=object, event=event, esp_name="Mailgun")

    assert Interaction.objects.get(kind="email_replied").notes.strip() == "Yes please"
    assert drip_status(lead) == ("stopped", "Replied")


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
    assert drip_status(lead) == ("stopped", "Unsubscribed")
