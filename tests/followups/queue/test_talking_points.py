"""Talking points: what the rep may bring up, composed from the lead's recent
interactions (followups.queue.talking_points), and shown on the call card and the
personal email and task cards before the step's script."""

import datetime as dt
import html
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm.models import Interaction, Lead
from crm.selectors import lead_recent_interactions
from followups.models import Channel, Touch
from followups.queue import talking_points
from tests.booth_lists import import_booth_list
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db

Kind = Interaction.Kind
# A Thursday afternoon in London, ten days after Hannover Messe's first day.
NOW = dt.datetime(2026, 4, 30, 14, 0, tzinfo=dt.UTC)
TUESDAY = NOW - dt.timedelta(days=2)
QUEUE = reverse("queue:next")
BOOTH = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "booth"


@pytest.fixture(autouse=True)
def thursday_afternoon():
    with time_machine.travel(NOW, tick=False), timezone.override("Europe/London"):
        yield


def points_for(lead: Lead, reason: Interaction | None = None) -> list[str]:
    recent = lead_recent_interactions(
        lead,
        kinds=talking_points.KINDS,
        since=NOW - talking_points.LOOKBACK,
        also=reason and reason.pk,
    )
    return talking_points.compose(lead=lead, recent=recent, reason_id=reason and reason.pk, now=NOW)


def ada(**fields) -> Lead:
    return LeadFactory(first_name="Ada", **fields)


# Each theme, in a sentence


def test_a_download_is_named_with_its_day():
    lead = ada()
    data = {"content": "zero-touch", "title": "Zero-touch onboarding"}
    InteractionFactory(lead=lead, kind=Kind.CONTENT_DOWNLOAD, data=data, occurred_at=TUESDAY)

    assert points_for(lead) == ["Ada downloaded “Zero-touch onboarding” on Tuesday"]


def test_a_booth_visit_says_the_event_rating_notes_and_answers():
    call_command(
        "import_leads",
        str(BOOTH / "badge-scanner-scanned-twice.csv"),
        "--event",
        "Hannover Messe 2026",
        "--country",
        "DE",
        stdout=StringIO(),
    )
    anna = Lead.objects.get(email="anna.schmidt@siemens-energy.example")

    assert points_for(anna) == [
        "Anna stopped by the booth at Hannover Messe 2026 on 20 April (rated hot) and said: "
        "“Picked up brochure; Came back with her CTO, wants a quote”. "
        "Interested in: “Line scanners, service contract”; Timeline: “Q2”"
    ]


def test_a_booth_visit_from_an_expo_list_without_a_rating(tmp_path):
    import_booth_list(tmp_path)
    grace = Lead.objects.get(email="grace@cobol.example")

    (point,) = points_for(grace)

    assert point.startswith("Grace stopped by the booth at Expo 2026 ")
    assert point.endswith(" and said: “Pricing”")
    assert "rated" not in point


def test_pages_read_are_listed_once_each_with_how_many_more():
    lead = ada()
    for n, (path, title) in enumerate(
        [("/pricing", "Pricing"), ("/pricing", "Pricing"), ("/security", "Security")]
        + [(f"/blog/{n}", "") for n in range(3)]
    ):
        InteractionFactory(
            lead=lead,
            kind=Kind.WEB_VISIT,
            path=path,
            data={"title": title} if title else {},
            occurred_at=NOW - dt.timedelta(hours=n + 1),
        )

    assert points_for(lead) == [
        "Ada read “Pricing” (/pricing), “Security” (/security), /blog/0 "
        "and 2 other pages, the latest today"
    ]


def test_an_abandoned_cart_is_told_until_they_buy():
    lead = ada()
    for product in ("Widget Pro", "Widget Pro"):
        data = {"cart_id": "c1", "product": product, "value": "600", "currency": "EUR"}
        InteractionFactory(lead=lead, kind=Kind.CART_ADD, data=data, occurred_at=TUESDAY)
    cart = {"cart_id": "c1", "value": "1200"}
    InteractionFactory(lead=lead, kind=Kind.CART_ABANDONED, data=cart, occurred_at=TUESDAY)

    assert points_for(lead) == [
        "Ada left a cart on Tuesday: 2 × Widget Pro — €1,200.00"  # noqa: RUF001 (the sign people read)
    ]

    InteractionFactory(lead=lead, kind=Kind.PURCHASE, data={"product": "Widget Pro"})
    assert points_for(lead) == ["Ada bought Widget Pro today"]


def test_a_clicked_email_names_its_link_and_subject():
    lead = ada()
    data = {"outbox": 3, "url": "https://acme.example/pricing"}
    InteractionFactory(
        lead=lead,
        kind=Kind.EMAIL_CLICKED,
        data=data,
        notes="Your Expo quote",
        occurred_at=NOW - dt.timedelta(days=1),
    )

    assert points_for(lead) == [
        "Ada clicked acme.example/pricing in the email “Your Expo quote” yesterday"
    ]


def test_the_last_conversation_with_notes_is_quoted(rep_alice):
    lead = ada()
    InteractionFactory(
        lead=lead,
        kind=Kind.CALL,
        outcome="interested",
        notes="Needs 40 seats before Q3",
        user=rep_alice,
        occurred_at=NOW - dt.timedelta(days=20),
    )
    InteractionFactory(lead=lead, kind=Kind.CALL, outcome="no_answer")  # nothing to quote

    assert points_for(lead) == [
        "On the last call with Alice Rep (on 10 April): “Needs 40 seats before Q3”"
    ]


def test_the_touchs_reason_comes_first_however_old():
    lead = LeadFactory(first_name="")
    InteractionFactory(lead=lead, kind=Kind.WEB_VISIT, path="/pricing")
    expo = CampaignFactory(name="Expo 2026")
    visit = InteractionFactory(
        lead=lead,
        kind=Kind.BOOTH_VISIT,
        campaign=expo,
        data={"rating": "5/5"},
        notes="Needs 40 seats before Q3",
        occurred_at=NOW - dt.timedelta(days=400),
    )

    assert points_for(lead, reason=visit) == [
        "They stopped by the booth at Expo 2026 on 26 March 2025 (rated 5/5) and said: "
        "“Needs 40 seats before Q3”",
        "They read /pricing, the latest today",
    ]


def test_nothing_to_say_makes_no_points():
    lead = ada()
    InteractionFactory(lead=lead, kind=Kind.EMAIL_SENT, notes="Welcome")

    assert points_for(lead) == []


# On the cards


def call_for(lead: Lead, interaction: Interaction | None = None) -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel=Channel.CALL,
        due_at=NOW - dt.timedelta(hours=1),
        reason="Content download: call while it is fresh",
        origin="Cadence: Content download",
        assigned_to=lead.owner,
        interaction=interaction,
        talking_points="Offer a 20-minute demo.",
        key=f"test:{lead.pk}",
    )


def london_lead(rep, **fields) -> Lead:
    values = {"owner": rep, "phone": "+442079460001", "country": "GB"}
    return ada(time_zone="Europe/London", **(values | fields))


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_the_call_card_shows_talking_points_then_the_script(alice, rep_alice):
    lead = london_lead(rep_alice)
    data = {"title": "Zero-touch onboarding"}
    download = InteractionFactory(
        lead=lead, kind=Kind.CONTENT_DOWNLOAD, data=data, occurred_at=TUESDAY
    )
    call_for(lead, download)

    text = text_of(alice.get(QUEUE))

    points = text.index("Talking points Ada downloaded “Zero-touch onboarding” on Tuesday")
    assert points < text.index("Notes for the call Offer a 20-minute demo.")
    assert "Downloaded “Zero-touch onboarding”" in text  # the card's timeline


def test_a_personal_email_card_shows_talking_points(alice, rep_alice):
    lead = london_lead(rep_alice, email="ada@example.com", email_consent="confirmed")
    clicked = {"outbox": 1, "url": "https://acme.example/pricing"}
    InteractionFactory(lead=lead, kind=Kind.EMAIL_CLICKED, data=clicked, notes="Spring offer")
    touch = Touch.objects.create(
        lead=lead,
        channel=Channel.PERSONAL_EMAIL,
        due_at=NOW,
        reason="Clicked a link",
        origin="Test",
        assigned_to=rep_alice,
        key="test:email",
    )

    text = text_of(alice.get(reverse("queue:touch", args=[touch.pk])))

    assert (
        "Talking points Ada clicked acme.example/pricing in the email “Spring offer” today" in text
    )


def test_the_call_card_with_every_kind_costs_a_fixed_number_of_queries(
    alice, rep_alice, django_assert_max_num_queries
):
    lead = london_lead(rep_alice)
    expo = CampaignFactory(name="Expo 2026")
    for n in range(10):
        cart = {"cart_id": f"c{n}", "product": "Sock", "value": "5", "currency": "EUR"}
        InteractionFactory(lead=lead, kind=Kind.CART_ADD, data=cart)
        InteractionFactory(lead=lead, kind=Kind.CART_ABANDONED, data={"cart_id": f"c{n}"})
        InteractionFactory(lead=lead, kind=Kind.WEB_VISIT, path=f"/p{n}", source="website")
        InteractionFactory(lead=lead, kind=Kind.BOOTH_VISIT, campaign=expo, notes=f"n{n}")
        InteractionFactory(lead=lead, kind=Kind.EMAIL_CLICKED, notes="Offer", data={"url": "/x"})
    call_for(lead, lead.interactions.filter(kind=Kind.BOOTH_VISIT).first())

    # The page without talking points (13, test_queue_views), and the lead's recent
    # interactions with their carts' additions.
    with django_assert_max_num_queries(16):
        response = alice.get(QUEUE)

    assert "Ada stopped by the booth at Expo 2026 today" in text_of(response)
