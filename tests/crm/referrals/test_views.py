"""The referral link answered (/r/<code>: on to the website), and the lead page's
referrals: the link, whom it brought, who sent the lead, a link made on demand."""

import re

import pytest
from django.urls import reverse

from crm.models import Lead
from crm.referrals.services import CODE_ALPHABET, referral_code_for
from tests.crm.referrals.factories import customer
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(f"^[{CODE_ALPHABET}]{{10}}$")
Stage = Lead.Stage


# The redirect


def test_the_link_leads_to_the_website_with_the_code(client, settings):
    settings.REFERRAL_REDIRECT_URL = "https://www.example.com/welcome?utm_source=referral"
    code = referral_code_for(customer())

    response = client.get(f"/r/{code.upper()}")

    assert response.status_code == 302
    assert response["Location"] == (
        f"https://www.example.com/welcome?utm_source=referral&ref={code}"
    )


@pytest.mark.parametrize("code", ["nosuchcode", "x" * 40, "%20"])
def test_an_unknown_code_is_not_found(client, code):
    customer(referral_code="abcdefghjk")

    assert client.get(f"/r/{code}").status_code == 404


# The lead page


def test_the_referrers_page_shows_the_link_and_whom_it_brought(alice, rep_alice):
    referrer = customer(owner=rep_alice, first_name="Rita", last_name="Referrer")
    code = referral_code_for(referrer)
    LeadFactory(referred_by=referrer, stage=Stage.CUSTOMER, first_name="Cara", last_name="Bought")
    LeadFactory(referred_by=referrer, first_name="Nina", last_name="New", owner=rep_alice)

    text = alice.get(referrer.get_absolute_url()).text

    assert f"https://crm.example.com/r/{code}" in text
    assert "2 referred, 1 became a customer — 2 more for the reward" in text
    assert "Cara Bought" in text
    assert f'<a href="/leads/{referrer.referrals.get(first_name="Nina").pk}/">Nina New</a>' in text


def test_a_referred_leads_page_names_who_referred_them(alice, rep_alice):
    referrer = customer(owner=rep_alice, first_name="Rita", last_name="Referrer")
    lead = LeadFactory(owner=rep_alice, referred_by=referrer)

    text = alice.get(lead.get_absolute_url()).text

    assert f'Referred by <a href="/leads/{referrer.pk}/">Rita Referrer</a>' in text


def test_a_customer_without_a_link_gets_one_from_their_page(alice, rep_alice):
    lead = customer(owner=rep_alice)
    assert "Create referral link" in alice.get(lead.get_absolute_url()).text

    response = alice.post(reverse("crm:referral_link_create", args=[lead.pk]))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert CODE.match(lead.referral_code)


def test_a_rep_cannot_make_a_link_for_another_reps_lead(alice, rep_bob):
    lead = customer(owner=rep_bob)

    response = alice.post(reverse("crm:referral_link_create", args=[lead.pk]))

    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.referral_code is None
