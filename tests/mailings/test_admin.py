"""The mailings admin: the evidence (outbox, suppressions, consent), read-only.
Cadences are edited on their own pages, not here."""

import pytest

from followups.cadences.services import enrolment_create
from mailings.consent.addresses import email_digest
from mailings.email.steps import outboxes_for
from mailings.models import OutboxEmail, Suppression
from tests.factories import UserFactory
from tests.mailings.factories import ConsentingLeadFactory, email_cadence

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def outbox_email(cadence, email: str) -> OutboxEmail:
    """The outbox row of the lead's first email in the cadence, as its first send makes it."""
    lead = ConsentingLeadFactory(email=email)
    enrolment = enrolment_create(cadence=cadence, lead=lead, source="test")
    emails, _ = outboxes_for(list(enrolment.touches.all()))
    outbox = next(iter(emails.values()))
    OutboxEmail.objects.filter(pk=outbox.pk).update(to_email=email)
    return outbox


@pytest.mark.parametrize("model", ["outboxemail", "suppression", "consenttext", "consentrecord"])
def test_every_mailings_admin_page_opens(admin_client, model):
    outbox_email(email_cadence(0), "ada@example.org")
    Suppression.objects.create(email_digest=email_digest("gone@example.org"), reason="bounced")

    assert admin_client.get(f"/admin/mailings/{model}/").status_code == 200


def test_the_outbox_is_filtered_by_cadence_and_read_only(admin_client):
    expo, webinar = email_cadence(0, name="Expo"), email_cadence(0, name="Webinar")
    outbox = outbox_email(expo, "ada@example.org")
    outbox_email(webinar, "grace@example.org")

    listed = admin_client.get("/admin/mailings/outboxemail/", {"step__cadence__id__exact": expo.pk})
    change = admin_client.get(f"/admin/mailings/outboxemail/{outbox.pk}/change/")

    assert "ada@example.org" in listed.text and "grace@example.org" not in listed.text
    assert 'name="_save"' not in change.text  # viewed, never changed
    assert admin_client.get("/admin/mailings/outboxemail/add/").status_code == 403


def test_suppressions_are_searched_by_address(admin_client):
    Suppression.objects.create(email_digest=email_digest("gone@example.org"), reason="bounced")
    Suppression.objects.create(email_digest=email_digest("other@example.org"), reason="bounced")

    response = admin_client.get("/admin/mailings/suppression/", {"q": "GONE@example.org"})

    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", ["drip", "dripstep", "enrolment", "stepvariant"])
def test_the_admin_edits_no_cadence_nor_its_emails(admin_client, model):
    assert admin_client.get(f"/admin/mailings/{model}/").status_code == 404
