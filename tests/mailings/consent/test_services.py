"""Double opt-in: the API asks, the email carries one link, the person confirms."""

import re

import pytest
from django.core import mail
from django.test import Client

from crm.models import Lead
from mailings.consent.addresses import email_digest
from mailings.models import ConsentRecord, ConsentText, Suppression
from tests.crm.api.client import api_for
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(rep_alice):
    return LeadFactory(owner=rep_alice, first_name="Ada", email="ada@example.org")


def ask(client, user, lead, **body):
    return api_for(client, user).post(
        f"/api/leads/{lead.pk}/consent-requests/",
        {"source": "pricing page form", "ip_address": "198.51.100.7"} | body,
    )


def confirm_path() -> str:
    [email] = mail.outbox
    url = re.search(r"https://crm\.example\.com(/m/confirm/\S+/)", email.body).group(1)
    return url


def test_the_api_sends_one_confirmation_email_and_records_the_request(client, rep_alice, lead):
    response = ask(client, rep_alice, lead)

    assert response.status_code == 202
    assert response.json() == {
        "sent": True,
        "email_consent": "pending",
        "detail": "Confirmation sent.",
    }
    [email] = mail.outbox
    assert (email.to, email.subject) == (["ada@example.org"], "Please confirm you want our emails")
    assert "Hi Ada" in email.body
    assert ConsentText.objects.get().text in email.body
    record = ConsentRecord.objects.get(lead=lead)
    assert (record.action, record.source, record.ip_address, record.consent_text.version) == (
        "requested",
        "pricing page form",
        "198.51.100.7",
        "2026-1",
    )


def test_opening_the_link_confirms_only_when_the_page_posts_back(client, rep_alice, lead):
    ask(client, rep_alice, lead)
    path = confirm_path()

    page = Client().get(path)
    lead.refresh_from_db()
    assert page.status_code == 200 and b'id="confirm-form"' in page.content
    assert lead.email_consent == Lead.EmailConsent.PENDING  # a link scanner confirms nothing

    done = Client(enforce_csrf_checks=True).post(path, REMOTE_ADDR="203.0.113.5")

    assert done.status_code == 200 and b"you are subscribed" in done.content
    lead.refresh_from_db()
    assert (lead.email_consent, lead.email_consent_method) == ("confirmed", "double opt-in")
    record = ConsentRecord.objects.get(lead=lead, action="confirmed")
    assert (record.ip_address, record.consent_text.version) == ("203.0.113.5", "2026-1")


def test_a_tampered_confirmation_link_changes_nothing(client, rep_alice, lead):
    ask(client, rep_alice, lead)
    path = confirm_path()

    response = Client().post(path.replace("/m/confirm/", "/m/confirm/x"))

    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.PENDING


def test_a_suppressed_address_is_not_asked_again(client, rep_alice, lead):
    Suppression.objects.create(email_digest=email_digest(lead.email), reason="unsubscribed")

    response = ask(client, rep_alice, lead)

    assert (response.status_code, response.json()["sent"]) == (200, False)
    assert mail.outbox == []


def test_bad_input_gets_field_errors(client, rep_alice, lead):
    response = ask(client, rep_alice, lead, ip_address="not-an-ip", colour="blue")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"ip_address", "colour"}


def test_a_rep_cannot_ask_for_another_reps_lead(client, rep_bob, lead):
    assert ask(client, rep_bob, lead).status_code == 404
    assert mail.outbox == []
