"""The crm= token that a tracked email link carries to a tracked site, and the
visitor it links to the lead who clicked."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from crm.models import Lead
from crm.tracking.models import Visitor
from crm.tracking.tokens import lead_token_make, lead_token_read, url_with_lead_token
from followups.cadences.services import enrolment_create
from mailings.email import tokens
from mailings.email.steps import outboxes_for
from tests.factories import LeadFactory
from tests.mailings.factories import PERSONS_BROWSER, ConsentingLeadFactory, email_cadence

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def ada(db):
    return ConsentingLeadFactory(email="ada@example.com", first_name="Ada")


def click_link(lead: Lead, url: str) -> str:
    """The tracked link to `url` in an email of a cadence the lead is in."""
    enrolment = enrolment_create(cadence=email_cadence(0), lead=lead, source="test")
    emails, _ = outboxes_for(list(enrolment.touches.all()))
    (outbox,) = emails.values()
    return f"/m/c/{tokens.make(tokens.CLICK, [outbox.pk, url])}/"


def token_in(location: str) -> str:
    return parse_qs(urlsplit(location).query)["crm"][0]


def test_a_click_to_a_tracked_site_carries_the_leads_token(ada, shop):
    response = Client(HTTP_USER_AGENT=PERSONS_BROWSER).get(
        click_link(ada, "https://shop.example.com/pricing?plan=pro#faq")
    )

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path, location.fragment) == (
        "shop.example.com",
        "/pricing",
        "faq",
    )
    assert parse_qs(location.query)["plan"] == ["pro"]
    assert lead_token_read(token_in(response["Location"])) == ada.pk


def test_a_scanners_click_carries_no_token(ada, shop):
    link = click_link(ada, "https://shop.example.com/pricing")

    response = Client(HTTP_USER_AGENT="Mimecast Safe Links").get(link)

    assert response["Location"] == "https://shop.example.com/pricing"


def test_a_click_to_any_other_site_is_left_alone(ada, shop):
    response = Client(HTTP_USER_AGENT=PERSONS_BROWSER).get(
        click_link(ada, "https://elsewhere.example.org/page?a=1")
    )

    assert response["Location"] == "https://elsewhere.example.org/page?a=1"


def test_the_landing_page_view_links_the_visitor_to_the_lead_who_clicked(ada, shop, browser):
    browser.sent("page_view", path="/pricing")  # browsed before, anonymously
    location = Client(HTTP_USER_AGENT=PERSONS_BROWSER).get(
        click_link(ada, "https://shop.example.com/pricing")
    )["Location"]

    browser.sent("page_view", path="/pricing", crm=token_in(location))
    browser.sent("page_view", path="/plans")

    assert Visitor.objects.get().lead == ada
    paths = ada.interactions.filter(kind="web_visit").values_list("path", flat=True)
    assert sorted(paths) == ["/plans", "/pricing", "/pricing"]
    assert not Lead.objects.exclude(pk=ada.pk).exists()


def test_the_token_moves_a_shared_computer_to_the_person_who_clicked(ada, shop, browser):
    browser.sent("identify", email="bob@example.com")
    browser.sent("page_view", path="/bobs-page")

    browser.sent("page_view", path="/adas-page", crm=lead_token_make(ada.pk))

    bob = Lead.objects.get(email="bob@example.com")
    assert list(bob.interactions.values_list("path", flat=True)) == ["/bobs-page"]
    assert list(ada.interactions.filter(kind="web_visit").values_list("path", flat=True)) == [
        "/adas-page"
    ]


def test_a_forged_token_links_nothing_and_the_page_view_still_counts(ada, shop, browser):
    forged = lead_token_make(ada.pk)[:-4] + "AAAA"

    assert browser.send("page_view", crm=forged).status_code == 204

    assert Visitor.objects.get().lead is None
    assert Visitor.objects.get().events.count() == 1


def test_a_token_older_than_a_day_links_nothing(ada, shop, browser, clock):
    token = lead_token_make(ada.pk)
    clock.shift(dt.timedelta(days=1, minutes=1))

    browser.sent("page_view", crm=token)

    assert Visitor.objects.get().lead is None


def test_a_token_of_another_purpose_is_not_a_lead_token(ada):
    assert lead_token_read(tokens.make(tokens.CONFIRM, ada.pk)) is None


def test_an_existing_crm_parameter_is_replaced(shop, db):
    lead = LeadFactory()

    url = url_with_lead_token("https://shop.example.com/?crm=stale&x=1", lead_id=lead.pk)

    query = parse_qs(urlsplit(url).query)
    assert query["x"] == ["1"]
    assert [lead_token_read(value) for value in query["crm"]] == [lead.pk]
