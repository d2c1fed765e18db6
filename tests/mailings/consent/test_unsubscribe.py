"""RFC 8058 one-click unsubscribe, the confirmation page, and the suppression list."""

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from crm.models import Lead
from followups.cadences.services import enrolment_create
from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.consent.addresses import email_digest
from mailings.consent.services import consent_confirm
from mailings.consent.unsubscribes import unsubscribe_token
from mailings.email import tokens
from mailings.email.sending import emails_send
from mailings.models import ConsentRecord, OutboxEmail, Suppression
from tests.mailings.factories import ConsentingLeadFactory, email_cadence

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def sent(db, smtp):
    """Ada got the first email of a two-step cadence; the second is planned."""
    cadence = email_cadence(0, 24, slug="expo")
    lead = ConsentingLeadFactory(first_name="Ada", email="Ada@Example.org")
    enrolment_create(cadence=cadence, lead=lead, source="test")
    scheduler_pass()
    message = smtp.to(lead.email)[0]
    url = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    return lead, url.removeprefix("https://crm.example.com")


def one_click(path, **extra):
    """What a mail provider sends: a POST without cookies or CSRF token (RFC 8058)."""
    client = Client(enforce_csrf_checks=True)
    return client.post(path, {"List-Unsubscribe": "One-Click"}, **extra)


def is_unsubscribed(lead) -> bool:
    lead.refresh_from_db()
    return lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED


def test_one_click_unsubscribes_at_once_without_cookies_or_a_redirect(sent):
    lead, path = sent

    response = one_click(path, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    assert response.content == b"Unsubscribed.\n"
    assert is_unsubscribed(lead)
    assert Suppression.objects.filter(email_digest=email_digest("ada@example.org")).exists()
    record = ConsentRecord.objects.get(lead=lead, action="unsubscribed")
    assert (record.source, record.ip_address) == ("unsubscribe link", "203.0.113.9")


def test_unsubscribing_ends_the_cadence_and_takes_back_the_email_planned(sent, clock, smtp):
    lead, path = sent
    next_email = Touch.objects.get(lead=lead, step__position=2, status=Touch.Status.PENDING)

    one_click(path)

    next_email.refresh_from_db()
    assert (next_email.status, next_email.outcome) == (Touch.Status.CANCELLED, "Unsubscribe")
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.status, enrolment.exit_reason) == ("exited", "Unsubscribe")
    clock.shift(dt.timedelta(days=2))
    scheduler_pass()
    assert len(smtp.to(lead.email)) == 1


def test_unsubscribing_stops_an_email_already_queued(sent, clock, smtp):
    lead, path = sent
    clock.shift(dt.timedelta(days=1))
    queued = Touch.objects.get(lead=lead, step__position=2)
    Touch.objects.filter(pk=queued.pk).update(
        status=Touch.Status.CLAIMED, claimed_at=timezone.now()
    )

    one_click(path)
    emails_send(touch_ids=[queued.pk])

    assert len(smtp.to(lead.email)) == 1
    assert Touch.objects.get(pk=queued.pk).status == Touch.Status.CANCELLED
    assert not OutboxEmail.objects.filter(touch=queued).exists()


def test_an_unsubscribe_ends_only_the_cadences_that_end_on_one(sent, smtp):
    lead, path = sent
    keeps_going = email_cadence(0, 24, slug="service", exit_on=["purchase"])
    enrolment_create(cadence=keeps_going, lead=lead, source="test")

    one_click(path)

    assert Enrolment.objects.get(cadence=keeps_going).status == "active"
    scheduler_pass()
    # Its email step is skipped (the address is suppressed now) and the cadence goes on.
    refused = Touch.objects.get(enrolment__cadence=keeps_going, step__position=1)
    assert (refused.status, refused.outcome) == (
        Touch.Status.SKIPPED,
        "The address is on the suppression list",
    )
    assert Touch.objects.get(enrolment__cadence=keeps_going, step__position=2).status == "pending"
    assert len(smtp.to(lead.email)) == 1


def test_one_click_twice_is_the_same_as_once(sent):
    _, path = sent

    first, second = one_click(path), one_click(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert Suppression.objects.count() == 1
    assert ConsentRecord.objects.filter(action="unsubscribed").count() == 1


def test_a_get_shows_a_confirmation_page_and_changes_nothing(sent):
    lead, path = sent

    response = Client().get(path)

    assert response.status_code == 200
    assert b"Unsubscribe" in response.content and b'method="post"' in response.content
    assert not is_unsubscribed(lead)
    assert not Suppression.objects.exists()


def test_the_confirmation_pages_button_unsubscribes(sent):
    lead, path = sent

    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert is_unsubscribed(lead)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_changes_nothing(sent, method):
    lead, path = sent
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = path.replace(token, token[:-3] + ("abc" if token[-3:] != "abc" else "xyz"))

    response = getattr(Client(), method)(tampered, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    assert not is_unsubscribed(lead)
    assert not Suppression.objects.exists()


def test_a_token_for_another_purpose_is_refused(sent):
    lead, _ = sent
    outbox = OutboxEmail.objects.filter(lead=lead).first()
    open_token = tokens.make(tokens.OPEN, [outbox.pk, email_digest(lead.email)])

    assert one_click(f"/m/unsubscribe/{open_token}/").status_code == 400
    assert not is_unsubscribed(lead)


def test_the_unsubscribe_link_works_after_the_lead_is_deleted(sent):
    lead, path = sent
    lead.delete()

    assert one_click(path).status_code == 200
    assert Suppression.objects.filter(email_digest=email_digest("ada@example.org")).exists()


def test_an_unsubscribed_address_imported_again_stays_unsubscribed(sent, tmp_path, smtp):
    lead, path = sent
    one_click(path)
    lead.delete()
    booth_list = tmp_path / "booth.csv"
    booth_list.write_text("Email,First Name,Company\nADA@example.org,Ada,Northwind\n")

    out = StringIO()
    call_command("import_leads", str(booth_list), "--event", "Expo 2027", "--json", stdout=out)

    assert json.loads(out.getvalue())["created"] == 1
    again = Lead.objects.get(email__iexact="ada@example.org")
    assert again.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert consent_confirm(lead=again, source="form") is False
    again.refresh_from_db()
    assert again.email_consent == Lead.EmailConsent.UNSUBSCRIBED


def test_the_token_carries_the_email_id_and_a_digest_not_the_address(db):
    token = unsubscribe_token(1, "Ada@Example.org")

    assert tokens.read(tokens.UNSUBSCRIBE, token) == [1, email_digest("ada@example.org")]
