"""Referral attribution on arrival (?ref=CODE on the landing page)."""

import pytest

from crm.models import Interaction, Lead
from crm.tracking.referrals import referral_attribute
from tests.factories import LeadFactory

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def anna(db):
    """A customer with a referral link."""
    return LeadFactory(email="anna@example.com", referral_code="ANNA26", stage="customer")


def referrals_of(lead: Lead) -> list[dict]:
    return list(lead.interactions.filter(kind="referral").values_list("data", flat=True))


def test_a_new_lead_who_arrived_with_a_code_is_the_referrers_referral(browser, anna):
    browser.sent("page_view", path="/", ref="ANNA26")
    browser.sent("page_view", path="/pricing")

    browser.sent("identify", email="ben@example.com")

    ben = Lead.objects.get(email="ben@example.com")
    assert ben.referred_by == anna
    assert referrals_of(anna) == [{"referred_lead": ben.pk}]
    assert Interaction.objects.get(kind="referral").source == "website"


def test_the_first_code_a_visitor_arrived_with_counts(browser, anna):
    LeadFactory(referral_code="OTHER1")
    browser.sent("page_view", ref="ANNA26")
    browser.sent("page_view", ref="OTHER1")

    browser.sent("identify", email="ben@example.com")

    assert Lead.objects.get(email="ben@example.com").referred_by == anna


def test_an_existing_lead_is_not_attributed(browser, anna):
    ben = LeadFactory(email="ben@example.com")
    browser.sent("page_view", ref="ANNA26")

    browser.sent("identify", email="ben@example.com")

    ben.refresh_from_db()
    assert ben.referred_by is None
    assert referrals_of(anna) == []


def test_a_code_retyped_in_capitals_still_counts(browser):
    carl = LeadFactory(referral_code="k7m2x9pq4r")
    browser.sent("page_view", ref="K7M2X9PQ4R")

    browser.sent("identify", email="ben@example.com")

    assert Lead.objects.get(email="ben@example.com").referred_by == carl


def test_an_unknown_code_is_ignored(browser, anna):
    browser.sent("page_view", ref="NOBODY")

    browser.sent("identify", email="ben@example.com")

    assert Lead.objects.get(email="ben@example.com").referred_by is None
    assert not Interaction.objects.filter(kind="referral").exists()


def test_a_lead_cannot_refer_itself(anna):
    assert referral_attribute(lead=anna, code="ANNA26") is None
    anna.refresh_from_db()
    assert anna.referred_by is None


def test_attribution_is_recorded_once(anna):
    ben = LeadFactory(email="ben@example.com")

    first = referral_attribute(lead=ben, code="ANNA26")
    second = referral_attribute(lead=ben, code="ANNA26")

    assert first is not None and second is None
    assert len(referrals_of(anna)) == 1
