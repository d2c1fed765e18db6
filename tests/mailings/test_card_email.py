"""An email from the call card: a template picked, filled in for the lead, edited,
and sent as the rep through the personal emails' outbox, exactly once; through
a real SMTP server."""

import re

import pytest
from django.urls import reverse

from crm.models import Interaction
from followups.cadences.models import Channel
from followups.cadences.services import enrolment_create
from followups.models import Touch
from followups.queue.services import call_claim_next
from mailings.models import OutboxEmail, StepVariant
from mailings.personal import card_email_templates
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.usefixtures("clock")
HTMX = {"HTTP_HX_REQUEST": "true"}


def personal_step(name, *, active=True, channel=Channel.PERSONAL_EMAIL, subject="Hello"):
    cadence = cadence_with({"channel": channel}, {"channel": Channel.TASK}, name=name)
    cadence.is_active = active
    cadence.save()
    step = cadence.steps.get(position=1)
    return StepVariant.objects.create(
        step=step,
        subject=subject,
        html_body="<p>Hi {{ lead.first_name }},</p>"
        "<p>Thanks for your time at {{ lead.company }}.</p>",
    )


@pytest.fixture
def lead(rep_alice):
    return CallableLeadFactory(
        owner=rep_alice,
        first_name="Laura",
        last_name="Pérez",
        company="Acme Ibérica",
        email="laura@example.org",
        email_consent="confirmed",
        time_zone="Europe/Madrid",
    )


@pytest.fixture
def call(lead, rep_alice):
    TouchFactory(lead=lead, assigned_to=rep_alice)
    return call_claim_next(user=rep_alice)


@pytest.fixture
def after_call():
    return personal_step("After the call", subject="Good to speak, {{ lead.first_name }}")


@pytest.fixture
def alice(client, rep_alice):
    client.force_login(rep_alice)
    return client


def compose(client, call, template=None):
    query = {"template": template.pk} if template else {}
    return client.get(reverse("queue:email", args=[call.pk]), query, **HTMX)


def send(client, call, response, **changes):
    """Post the compose form as shown, with the rep's changes."""
    fields = dict(re.findall(r'name="(template|key|subject)"[^>]*?value="([^"]*)"', response.text))
    body = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", response.text, re.S).group(1)
    data = fields | {"body": body} | changes
    return client.post(reverse("queue:email_send", args=[call.pk]), data, **HTMX)


def test_the_picker_offers_personal_emails_and_the_leads_cadences_emails(lead, after_call):
    theirs = personal_step("Their drip", active=False, channel=Channel.EMAIL, subject="Drip")
    enrolment_create(cadence=theirs.step.cadence, lead=lead, source="test")
    personal_step("Switched off", active=False, subject="Not offered")
    personal_step("Only automatic", channel=Channel.EMAIL, subject="Not offered either")

    offered = card_email_templates(lead)

    assert [(t.pk, t.group) for t in offered] == [
        (theirs.pk, "Their cadences"),
        (after_call.pk, "Personal emails"),
    ]
    assert offered[1].label == "After the call, step 1: Good to speak, {{ lead.first_name }}"


def test_the_picked_template_is_filled_in_for_the_lead_to_edit(alice, call, after_call):
    response = compose(alice, call, after_call)

    assert response.status_code == 200
    assert 'value="Good to speak, Laura"' in response.text
    assert "Thanks for your time at Acme Ibérica." in response.text


def test_the_email_goes_from_the_rep_once_and_is_on_the_timeline(
    smtp, alice, call, after_call, rep_alice
):
    shown = compose(alice, call, after_call)

    response = send(alice, call, shown, subject="Good to speak, Laura!")
    again = send(alice, call, shown, subject="Good to speak, Laura!")  # a second click

    assert response.status_code == 200
    assert "Sent “Good to speak, Laura!” to Laura Pérez, from you." in response.text
    assert again.status_code == 400
    [message] = smtp.messages
    assert message["From"] == "Alice Rep <alice@example.com>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["To"] == "laura@example.org"
    assert message["Subject"] == "Good to speak, Laura!"
    assert message["List-Id"] is None  # one person's email to another
    assert message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hi Laura,\n\nThanks for your time at Acme Ibérica.\n")
    outbox = OutboxEmail.objects.get()
    assert (outbox.status, outbox.sent_by, outbox.variant, outbox.enrolment) == (
        OutboxEmail.Status.SENT,
        rep_alice,
        after_call,
        None,
    )
    assert outbox.touch.status == Touch.Status.DONE
    sent = Interaction.objects.get(lead=call.lead, kind=Interaction.Kind.EMAIL_SENT)
    assert (sent.notes, sent.data["personal"]) == ("Good to speak, Laura!", True)
    call.refresh_from_db()
    assert call.status == Touch.Status.CLAIMED  # the rep is still on the call


def test_the_rep_may_write_their_own_without_a_template(smtp, alice, call):
    shown = compose(alice, call)

    response = send(alice, call, shown, subject="Quick note", body="As promised: the price list.")

    assert response.status_code == 200
    assert [m["Subject"] for m in smtp.messages] == ["Quick note"]
    assert OutboxEmail.objects.get().variant is None


def test_without_javascript_the_picker_is_a_page_and_sending_goes_back_to_the_call(
    smtp, alice, call, after_call
):
    shown = alice.get(reverse("queue:email", args=[call.pk]), {"template": after_call.pk})
    assert "<html" in shown.text
    fields = dict(re.findall(r'name="(template|key|subject)"[^>]*?value="([^"]*)"', shown.text))

    response = alice.post(
        reverse("queue:email_send", args=[call.pk]), fields | {"body": "Hi Laura"}
    )

    assert (response.status_code, response.url) == (302, reverse("queue:next"))
    assert len(smtp.messages) == 1


def test_a_lead_who_may_not_be_emailed_gets_nothing(smtp, alice, call, after_call, lead):
    lead.email_consent = "unsubscribed"
    lead.save()
    shown = compose(alice, call, after_call)
    assert "Laura Pérez may not be emailed: Unsubscribed." in shown.text

    response = send(alice, call, shown)

    assert response.status_code == 400
    assert smtp.messages == []
    assert not Touch.objects.filter(channel=Channel.PERSONAL_EMAIL).exists()


def test_a_template_not_offered_is_refused(alice, call):
    hidden = personal_step("Switched off", active=False)

    assert compose(alice, call, hidden).status_code == 400


def test_bad_input_is_a_field_error(alice, call):
    response = alice.post(
        reverse("queue:email_send", args=[call.pk]),
        {"key": "not-a-key", "subject": "", "body": ""},
        **HTMX,
    )

    assert response.status_code == 400
    assert not Touch.objects.filter(channel=Channel.PERSONAL_EMAIL).exists()


def test_another_rep_cannot_email_from_someone_elses_call(client, rep_bob, call):
    client.force_login(rep_bob)

    assert client.get(reverse("queue:email", args=[call.pk])).status_code == 404


def test_the_picker_costs_the_same_however_many_templates(
    alice, call, after_call, django_assert_max_num_queries
):
    for n in range(6):
        personal_step(f"Play {n}", subject=f"Subject {n}")

    with django_assert_max_num_queries(14):
        response = compose(alice, call, after_call)

    assert response.status_code == 200
