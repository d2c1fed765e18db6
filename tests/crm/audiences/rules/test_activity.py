"""Audience rules on what people did: pages, carts, events, giveaways, downloads,
emails and app events."""

import datetime as dt

import pytest

from crm.models import Lead
from tests.crm.audiences.people import Kind, ago, did, expo_2026, person, visit
from tests.crm.audiences.rules.definitions import every, picked, rule
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitors():
    pia = person("Pia")  # pricing, no checkout, this week
    visit(pia, "/pricing", ago(2))
    cole = person("Cole")  # pricing and checkout, this week
    visit(cole, "/Pricing/enterprise", ago(3))
    visit(cole, "/checkout", ago(1))
    olga = person("Olga")  # pricing a month ago
    visit(olga, "/pricing", ago(30))
    nina = person("Nina")  # only the blog
    visit(nina, "/blog/pricing-tips", ago(1))
    person("Ned")  # never visited


def test_visited_a_page_pattern_within_days(visitors):
    assert picked(every(rule("visited_page", path="/pricing*", days=7))) == {"Pia", "Cole"}
    assert picked(every(rule("visited_page", path="/pricing*"))) == {"Pia", "Cole", "Olga"}
    assert picked(every(rule("visited_page", path="*pricing*", days=7))) == {"Pia", "Cole", "Nina"}
    assert picked(every(rule("visited_page", path="/pricing", days=7))) == {"Pia"}


def test_did_not_visit_a_page_pattern_within_days(visitors):
    not_checkout = every(rule("not_visited_page", path="/checkout*", days=7))
    assert picked(not_checkout) == {"Pia", "Olga", "Nina", "Ned"}


def test_visited_pricing_but_not_checkout_in_7_days(visitors):
    definition = every(
        rule("visited_page", path="/pricing*", days=7),
        rule("not_visited_page", path="/checkout*", days=7),
    )
    assert picked(definition) == {"Pia"}


def test_a_glob_matches_literally_apart_from_its_wildcards(db):
    percent = person("Percy")
    visit(percent, "/offers/100%_off", ago(1))
    visit(person("Otto"), "/offers/100x-off", ago(1))

    assert picked(every(rule("visited_page", path="/offers/100%_off"))) == {"Percy"}
    assert picked(every(rule("visited_page", path="/offers/100?_off"))) == {"Percy"}


def test_pages_viewed_counts_visits_in_the_window(db):
    three = person("Three")
    for days in (1, 2, 3):
        visit(three, f"/page-{days}", ago(days))
    two = person("Two")
    for days in (1, 2):
        visit(two, "/same", ago(days))
    late = person("Late")  # three, but one is older than the window
    for days in (1, 2, 9):
        visit(late, "/x", ago(days))

    assert picked(every(rule("page_views", pages=3, days=7))) == {"Three"}
    assert picked(every(rule("page_views", pages=3))) == {"Three", "Late"}
    assert picked(every(rule("page_views", pages=3, days=7, negate=True))) == {"Two", "Late"}


def test_time_on_site_sums_the_seconds_of_visits_in_the_window(db):
    long_reader = person("Long")
    visit(long_reader, "/a", ago(1), seconds=200)
    visit(long_reader, "/b", ago(2), seconds=150.5)
    junk = person("Junk")  # a value that is not a number counts as nothing, never an error
    visit(junk, "/a", ago(1), seconds=200)
    visit(junk, "/b", ago(1), seconds="a lot")
    old = person("Old")
    visit(old, "/a", ago(10), seconds=400)

    assert picked(every(rule("time_on_site", minutes=5, days=7))) == {"Long"}
    assert picked(every(rule("time_on_site", minutes=5))) == {"Long", "Old"}


def test_cart_abandoned_within_days_and_nothing_bought_since(db):
    left = person("Left")
    did(left, Kind.CART_ABANDONED, ago(2))
    came_back = person("CameBack")
    did(came_back, Kind.CART_ABANDONED, ago(2))
    did(came_back, Kind.PURCHASE, ago(1))
    bought_before = person("BoughtBefore")
    did(bought_before, Kind.PURCHASE, ago(5))
    did(bought_before, Kind.CART_ABANDONED, ago(2))
    long_ago = person("LongAgo")
    did(long_ago, Kind.CART_ABANDONED, ago(10))

    assert picked(every(rule("cart_abandoned", days=7))) == {"Left", "BoughtBefore"}
    assert picked(every(rule("cart_abandoned"))) == {"Left", "BoughtBefore", "LongAgo"}


def test_attended_an_event_is_a_booth_visit_in_that_campaign(db):
    expo, other = expo_2026(), CampaignFactory(name="Fair")
    did(person("Visitor"), Kind.BOOTH_VISIT, ago(10), campaign=expo)
    did(person("Elsewhere"), Kind.BOOTH_VISIT, ago(10), campaign=other)
    did(person("Entrant"), Kind.GIVEAWAY_ENTRY, ago(10), campaign=expo)

    assert picked(every(rule("attended_event", campaign=expo.pk))) == {"Visitor"}
    assert picked(every(rule("attended_event", campaign=expo.pk, days=7))) == set()


def test_entered_a_giveaway_is_an_entry_in_that_campaign(db):
    giveaway, other = CampaignFactory(name="Win a drone"), CampaignFactory(name="Win a bike")
    did(person("Entrant"), Kind.GIVEAWAY_ENTRY, ago(3), campaign=giveaway)
    did(person("Other"), Kind.GIVEAWAY_ENTRY, ago(3), campaign=other)
    did(person("Visitor"), Kind.BOOTH_VISIT, ago(3), campaign=giveaway)

    assert picked(every(rule("entered_giveaway", campaign=giveaway.pk))) == {"Entrant"}


def test_downloaded_content_by_pattern_before_an_event_or_within_days(expo_people):
    expo = expo_people
    white_paper = "*white paper*"
    assert picked(every(rule("downloaded_content", content=white_paper))) == {
        "Early",
        "After",
        "Reader",
    }
    before = rule("downloaded_content", content=white_paper, before_campaign=expo.pk)
    assert picked(every(before)) == {"Early", "Reader"}
    assert picked(every(rule("downloaded_content", days=14))) == {"Early", "After"}
    assert picked(every(rule("downloaded_content"))) == {"Early", "After", "Guide", "Reader"}


def test_booth_at_expo_and_a_white_paper_before_it(expo_people):
    most_qualified = every(
        rule("attended_event", campaign=expo_people.pk),
        rule("downloaded_content", content="*white paper*", before_campaign=expo_people.pk),
    )
    assert picked(most_qualified) == {"Early"}


def test_opened_and_clicked_emails_within_days(db):
    did(person("Opener"), Kind.EMAIL_OPENED, ago(2))
    did(person("OldOpener"), Kind.EMAIL_OPENED, ago(40))
    did(person("Clicker"), Kind.EMAIL_CLICKED, ago(2))
    did(person("Sent"), Kind.EMAIL_SENT, ago(1))

    assert picked(every(rule("opened_email", days=30))) == {"Opener"}
    assert picked(every(rule("opened_email"))) == {"Opener", "OldOpener"}
    assert picked(every(rule("clicked_email", days=30))) == {"Clicker"}


def app_event(lead: Lead, name: str, when: dt.datetime) -> None:
    did(lead, Kind.APP_EVENT, when, data={"name": name})


@pytest.fixture
def app_users():
    made = person("Made")  # signed up, then created a project within days
    app_event(made, "signed_up", ago(5))
    app_event(made, "project_created", ago(2))
    stuck = person("Stuck")  # signed up, no project yet
    app_event(stuck, "signed_up", ago(4))
    early = person("Early")  # a project long ago
    app_event(early, "project_created", ago(40))
    lookalike = person("Lookalike")  # another event's name, and a download's data
    app_event(lookalike, "project_created_draft", ago(1))
    app_event(lookalike, "Project_Created", ago(1))
    did(lookalike, Kind.CONTENT_DOWNLOAD, ago(1), data={"name": "project_created"})
    person("Never")


def test_did_an_app_event_by_its_exact_name_within_days_or_ever(app_users):
    assert picked(every(rule("app_event", name="project_created", days=7))) == {"Made"}
    assert picked(every(rule("app_event", name="project_created"))) == {"Made", "Early"}
    assert picked(every(rule("app_event", name="signed_up", days=3))) == set()


def test_did_not_do_an_app_event_within_days_or_ever(app_users):
    not_this_week = every(rule("not_app_event", name="project_created", days=7))
    assert picked(not_this_week) == {"Stuck", "Early", "Lookalike", "Never"}
    assert picked(every(rule("not_app_event", name="project_created"))) == {
        "Stuck",
        "Lookalike",
        "Never",
    }


def test_signed_up_over_three_days_ago_and_no_project_since(app_users):
    signed_up_a_while_ago = every(
        rule("app_event", name="signed_up", days=14),
        rule("app_event", name="signed_up", days=3, negate=True),
        rule("not_app_event", name="project_created"),
    )
    assert picked(signed_up_a_while_ago) == {"Stuck"}
    assert picked(signed_up_a_while_ago, now=ago(0.5)) == {"Stuck"}
    assert picked(signed_up_a_while_ago, now=ago(1.5)) == set()  # 2.5 days after signing up
