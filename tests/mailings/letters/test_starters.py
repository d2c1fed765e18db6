"""The ready letter templates render for a real lead and fit on one page."""

import datetime as dt

import pytest

from mailings.letters.compose import letter_for
from mailings.letters.models import LetterTemplate
from mailings.letters.pdf import Letter, render_letters_pdf
from mailings.letters.postal import address_lines, lead_address
from mailings.letters.starters import STARTERS
from tests.factories import CampaignFactory, LeadFactory, UserFactory
from tests.mailings.letters.reading import read_pdf

TODAY = dt.date(2026, 3, 10)


def body_for(starter: dict, lead, **template_fields) -> str:
    """The starter's body for the lead, as a print run renders it."""
    template = LetterTemplate(**starter, **template_fields)
    return letter_for(template, lead, today=TODAY).body_html


def starter(slug: str) -> dict:
    return next(item for item in STARTERS if item["slug"] == slug)


@pytest.fixture
def lead(db):
    return LeadFactory(
        first_name="Jane", last_name="Public", company="Acme <Corp>",
        address_line1="100 Main St", city="Springfield", region="IL", postal_code="62701",
        country="US", source_campaign=CampaignFactory(name="Expo 2026"),
        owner=UserFactory(first_name="Alice", last_name="Rep"),
    )  # fmt: skip


def test_there_are_four_starters_with_distinct_slugs():
    assert [item["slug"] for item in STARTERS] == [
        "conference-follow-up",
        "service-reminder",
        "thank-you",
        "apology-offer",
    ]
    assert all(item["name"] and item["body"] and item["css"] for item in STARTERS)


@pytest.mark.parametrize("item", STARTERS, ids=lambda item: item["slug"])
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_each_starter_renders_a_signed_one_page_letter(lead, item, paper):
    recipient = address_lines(lead_address(lead), sender_country="US")
    letter = Letter(recipient, body_for(item, lead), css=item["css"])

    pages = read_pdf(render_letters_pdf([letter], paper=paper, sender=[]))

    assert len(pages) == 1
    text = pages[0].text()
    assert "March 10, 2026" in text and "Dear Jane," in text
    assert text.rstrip().endswith("Alice Rep")


def test_conference_letter_names_the_campaign_and_escapes_the_company(lead):
    body = body_for(starter("conference-follow-up"), lead)

    assert "at Expo 2026." in body
    assert "Acme &lt;Corp&gt;" in body


def test_service_reminder_prints_the_coupon_or_a_default(lead):
    assert "SPRING25" in body_for(starter("service-reminder"), lead, coupon_code="SPRING25")
    assert "WELCOME10" in body_for(starter("service-reminder"), lead)


def test_apology_offers_the_given_offer_or_a_free_month(lead):
    assert "two free months" in body_for(starter("apology-offer"), lead, offer="two free months")
    assert "a free month of service" in body_for(starter("apology-offer"), lead)


@pytest.mark.django_db
def test_starters_read_well_for_a_lead_with_only_an_email():
    bare = LeadFactory(first_name="", last_name="", company="", source_campaign=None)

    for item in STARTERS:
        body = body_for(item, bare)

        assert "Dear friend," in body
        assert "The Follow-up CRM team" in body
        assert " at ." not in body and "  " not in body.replace("\n", " ")


@pytest.mark.django_db
def test_the_starters_are_ready_in_a_new_database():
    slugs = LetterTemplate.objects.values_list("slug", flat=True)
    assert set(slugs) >= {item["slug"] for item in STARTERS}
