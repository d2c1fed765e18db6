"""What beacons record: events on the timeline, identity stitching, time on page,
carts abandoned and purchased (with the abandoned-cart cadence they start and end)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Interaction, Lead
from crm.services import interaction_record
from crm.tracking.models import Cart, Visitor, WebEvent
from crm.tracking.services import carts_abandon, visitor_identify
from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from tests.crm.tracking.conftest import NOW
from tests.factories import LeadFactory

pytestmark = pytest.mark.usefixtures("clock")


def timeline(lead: Lead) -> list[tuple[str, str]]:
    interactions = lead.interactions.order_by("occurred_at", "id")
    return list(interactions.values_list("kind", "path"))


def later(clock, minutes: float) -> None:
    clock.shift(dt.timedelta(minutes=minutes))


def in_abandoned_cart_cadence():
    """The enrolments in the installed abandoned-cart play (a purchase enrols the
    lead in other plays, the first-purchase upsell and the service reminder)."""
    return Enrolment.objects.filter(cadence__installed="abandoned_cart")


# Events on the timeline


def test_an_identified_visitors_events_become_interactions_at_once(browser):
    browser.sent("identify", email="ada@example.com")
    browser.sent("page_view", path="/pricing", title="Pricing")
    browser.sent("cart_add", path="/boots", cart_id="c1", value="89.90", product="Boots")
    browser.sent("checkout_started", path="/checkout", cart_id="c1", value="89.90")
    browser.sent("content_download", path="/library", content="white-paper-2026")
    browser.sent("purchase", path="/thanks", cart_id="c1", value="89.90", currency="EUR")

    lead = Lead.objects.get(email="ada@example.com")
    assert timeline(lead) == [
        ("web_visit", "/pricing"),
        ("cart_add", "/boots"),
        ("checkout_started", "/checkout"),
        ("content_download", "/library"),
        ("purchase", "/thanks"),
    ]
    by_kind = {i.kind: i for i in lead.interactions.all()}
    assert by_kind["web_visit"].data == {"title": "Pricing", "seconds": 0}
    assert by_kind["cart_add"].data == {"cart_id": "c1", "value": "89.90", "product": "Boots"}
    assert by_kind["content_download"].data == {"content": "white-paper-2026"}
    assert by_kind["purchase"].data == {"cart_id": "c1", "value": "89.90", "currency": "EUR"}
    assert {i.source for i in by_kind.values()} == {"website"}
    assert not WebEvent.objects.exists()
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.CUSTOMER  # the purchase hook ran


def test_an_app_event_records_its_name_on_the_identified_lead(browser):
    browser.sent("identify", email="ada@example.com")
    payload = browser.payload("app_event", path="/app/projects", name=" project_created ")
    assert [browser.post(payload).status_code for _ in range(2)] == [204, 204]  # one retry

    app_event = Lead.objects.get().interactions.get()
    assert (app_event.kind, app_event.path) == ("app_event", "/app/projects")
    assert app_event.data == {"name": "project_created"}
    assert app_event.source == "website"


def test_an_anonymous_app_event_joins_the_lead_with_its_name(browser, clock):
    browser.sent("app_event", path="/app", name="signed_up")
    assert WebEvent.objects.get().data["name"] == "signed_up"
    later(clock, 1)

    browser.sent("identify", email="ada@example.com")

    joined = Lead.objects.get().interactions.get()
    assert (joined.kind, joined.data, joined.occurred_at) == (
        "app_event",
        {"name": "signed_up"},
        NOW,
    )


def test_a_retried_beacon_records_nothing_new(browser):
    payload = browser.payload("cart_add", cart_id="c1", value="10.00")
    assert [browser.post(payload).status_code for _ in range(2)] == [204, 204]
    assert WebEvent.objects.count() == 1
    assert Cart.objects.get().value == Decimal("10.00")

    browser.sent("identify", email="ada@example.com")
    payload = browser.payload("cart_add", cart_id="c1", value="5.00")
    assert [browser.post(payload).status_code for _ in range(2)] == [204, 204]

    lead = Lead.objects.get()
    assert lead.interactions.filter(kind="cart_add").count() == 2
    assert Cart.objects.get().value == Decimal("15.00")


def test_time_on_page_updates_the_page_view_and_never_shortens_it(browser):
    page = browser.sent("page_view", path="/pricing")
    browser.sent("page_time", page=page, seconds=40)
    browser.sent("page_time", page=page, seconds=12)  # late and out of order

    assert WebEvent.objects.get().seconds == 40

    browser.sent("identify", email="ada@example.com")
    page = browser.sent("page_view", path="/plans")
    browser.sent("page_time", page=page, seconds=7)
    browser.sent("page_time", page=page, seconds=3)

    visits = Lead.objects.get().interactions.order_by("occurred_at", "id")
    assert [(v.path, v.data["seconds"]) for v in visits] == [("/pricing", 40), ("/plans", 7)]


def test_a_visitor_keeps_its_first_seen_time_and_updates_its_last(browser, clock):
    browser.sent("page_view")
    later(clock, 5)
    browser.sent("page_view")

    visitor = Visitor.objects.get()
    assert visitor.first_seen_at == NOW
    assert visitor.last_seen_at == NOW + dt.timedelta(minutes=5)


# Identity stitching


def anonymous_history(browser, clock) -> None:
    browser.sent("page_view", path="/pricing")
    later(clock, 2)
    browser.sent("content_download", path="/library", content="white-paper-2026")
    later(clock, 3)


def test_anonymous_events_join_the_lead_when_the_visitor_identifies(browser, clock):
    anonymous_history(browser, clock)

    browser.sent("identify", email="ada@example.com", first_name="Ada", company="Acme")

    lead = Lead.objects.get(email="ada@example.com")
    assert (lead.first_name, lead.company) == ("Ada", "Acme")
    joined = lead.interactions.order_by("occurred_at")
    assert [(i.kind, i.occurred_at) for i in joined] == [
        ("web_visit", NOW),
        ("content_download", NOW + dt.timedelta(minutes=2)),
    ]
    assert all(event.interaction_id for event in WebEvent.objects.all())
    visitor = Visitor.objects.get()
    assert (visitor.lead, visitor.identified_at) == (lead, NOW + dt.timedelta(minutes=5))


def test_the_joined_history_plans_follow_ups_like_any_interaction(browser, clock):
    anonymous_history(browser, clock)

    browser.sent("identify", email="ada@example.com", phone="+1 415 555 2671")

    # The installed content-download play: a call at once, at the top of the queue.
    call = Touch.objects.get(lead__email="ada@example.com", channel="call")
    assert call.enrolment.cadence.installed == "content_download"


def test_identifying_again_joins_nothing_twice(browser, clock):
    anonymous_history(browser, clock)
    browser.sent("identify", email="ada@example.com")
    browser.sent("identify", email="ADA@example.com")
    visitor_identify(visitor=Visitor.objects.get(), lead=Lead.objects.get())

    assert Lead.objects.count() == 1
    assert Lead.objects.get().interactions.count() == 2


def test_an_existing_lead_gets_the_history_and_keeps_its_data(browser, clock):
    lead = LeadFactory(email="ada@example.com", first_name="Ada", company="Acme")
    anonymous_history(browser, clock)

    browser.sent("identify", email="ada@example.com", first_name="Adele", company="Other")

    lead.refresh_from_db()
    assert (lead.first_name, lead.company) == ("Ada", "Acme")
    assert lead.interactions.count() == 2


def test_one_lead_may_have_several_visitors(browser, another_browser):
    browser.sent("page_view", path="/from-the-laptop")
    another_browser.sent("page_view", path="/from-the-phone")

    browser.sent("identify", email="ada@example.com")
    another_browser.sent("identify", email="ada@example.com")

    lead = Lead.objects.get()
    assert sorted(path for _kind, path in timeline(lead)) == ["/from-the-laptop", "/from-the-phone"]
    assert lead.visitors.count() == 2


def test_a_shared_computer_moves_to_the_new_person_and_leaves_the_old_history(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("page_view", path="/adas-page")
    later(clock, 10)

    browser.sent("identify", email="bob@example.com")
    browser.sent("page_view", path="/bobs-page")

    ada, bob = Lead.objects.get(email="ada@example.com"), Lead.objects.get(email="bob@example.com")
    assert timeline(ada) == [("web_visit", "/adas-page")]
    assert timeline(bob) == [("web_visit", "/bobs-page")]
    assert Visitor.objects.get().lead == bob


# Carts


def test_a_cart_adds_up_and_checkout_states_its_total(browser):
    browser.sent("cart_add", cart_id="c1", value="10.00")
    browser.sent("cart_add", cart_id="c1", value="2.50")
    assert Cart.objects.get().value == Decimal("12.50")

    browser.sent("checkout_started", cart_id="c1", value="11.00")  # a coupon

    cart = Cart.objects.get()
    assert (cart.status, cart.value) == (Cart.Status.OPEN, Decimal("11.00"))


def test_a_cart_is_abandoned_an_hour_after_its_last_activity(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="c1", value="10.00")
    later(clock, 30)
    browser.sent("checkout_started", cart_id="c1", value="10.00")

    later(clock, 59)
    assert carts_abandon(now=timezone.now()) == 0
    later(clock, 1)
    assert carts_abandon(now=timezone.now()) == 1

    cart = Cart.objects.get()
    assert (cart.status, cart.abandoned_at) == (Cart.Status.ABANDONED, timezone.now())
    abandoned = Interaction.objects.get(kind="cart_abandoned")
    assert abandoned.data == {"cart_id": "c1", "value": "10.00"}
    assert abandoned.lead.email == "ada@example.com"


def test_the_abandon_time_is_a_setting(browser, clock, settings):
    settings.TRACKING_CART_ABANDON_MINUTES = 15
    browser.sent("cart_add", cart_id="c1")
    later(clock, 15)

    assert carts_abandon(now=timezone.now()) == 1


def test_the_scheduler_abandons_carts_and_the_lead_enters_the_abandoned_cart_cadence(
    browser, clock
):
    browser.sent("identify", email="ada@example.com", first_name="Ada")
    browser.sent("cart_add", cart_id="c1", value="10.00")
    later(clock, 61)

    scheduler_pass()
    scheduler_pass()  # a second pass, or a second scheduler, records nothing more
    carts_abandon(now=timezone.now())

    assert Interaction.objects.filter(kind="cart_abandoned").count() == 1
    enrolment = in_abandoned_cart_cadence().get()
    assert (enrolment.lead.email, enrolment.status) == ("ada@example.com", "active")
    first_email = enrolment.touches.get()
    assert (first_email.channel, first_email.status) == ("email", Touch.Status.PENDING)
    assert first_email.due_at == timezone.now() + dt.timedelta(hours=1)


def test_a_later_purchase_ends_the_cadence_and_cancels_its_planned_emails(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="c1", value="10.00")
    later(clock, 61)
    scheduler_pass()
    email = Touch.objects.get(enrolment__cadence__installed="abandoned_cart")

    later(clock, 20)
    browser.sent("purchase", cart_id="c1", value="10.00")

    enrolment = in_abandoned_cart_cadence().get()
    assert (enrolment.status, enrolment.exit_reason) == ("exited", "Buy")
    email.refresh_from_db()
    assert (email.status, email.outcome) == (Touch.Status.CANCELLED, "Buy")
    cart = Cart.objects.get()
    assert (cart.status, cart.purchased_at) == (Cart.Status.PURCHASED, timezone.now())


def test_a_purchase_in_time_means_no_abandoned_cart(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="c1")
    browser.sent("cart_add", cart_id="c2")
    later(clock, 30)
    browser.sent("purchase", cart_id="c1")  # any purchase ends the visitor's carts

    later(clock, 120)
    assert carts_abandon(now=timezone.now()) == 0

    assert set(Cart.objects.values_list("status", flat=True)) == {Cart.Status.PURCHASED}
    assert not Interaction.objects.filter(kind="cart_abandoned").exists()
    assert not in_abandoned_cart_cadence().exists()


def test_a_purchase_recorded_elsewhere_also_ends_the_cart(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="c1")
    later(clock, 30)
    interaction_record(lead=Lead.objects.get(), kind="purchase", source="shop", external_id="o1")

    later(clock, 60)
    carts_abandon(now=timezone.now())

    assert Cart.objects.get().status == Cart.Status.PURCHASED
    assert not Interaction.objects.filter(kind="cart_abandoned").exists()


def test_a_purchase_on_another_device_ends_the_leads_carts(browser, another_browser, clock):
    browser.sent("identify", email="ada@example.com")
    another_browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="laptop-cart")

    another_browser.sent("purchase", cart_id="phone-cart")

    assert Cart.objects.get().status == Cart.Status.PURCHASED


def test_an_anonymous_cart_records_cart_abandoned_when_its_visitor_identifies(browser, clock):
    browser.sent("cart_add", cart_id="c1", value="10.00")
    later(clock, 61)
    assert carts_abandon(now=timezone.now()) == 1
    assert not Interaction.objects.exists()

    later(clock, 60 * 24)
    browser.sent("identify", email="ada@example.com")

    lead = Lead.objects.get()
    abandoned = lead.interactions.get(kind="cart_abandoned")
    assert abandoned.occurred_at == NOW + dt.timedelta(minutes=61)
    assert in_abandoned_cart_cadence().get().lead == lead
    browser.sent("identify", email="ada@example.com")
    assert lead.interactions.filter(kind="cart_abandoned").count() == 1


def test_an_anonymous_cart_purchased_before_identifying_is_not_abandoned(browser, clock):
    browser.sent("cart_add", cart_id="c1")
    later(clock, 61)
    carts_abandon(now=timezone.now())
    browser.sent("purchase", cart_id="c1")

    browser.sent("identify", email="ada@example.com")

    assert [kind for kind, _path in timeline(Lead.objects.get())] == ["cart_add", "purchase"]
    assert not in_abandoned_cart_cadence().exists()


def test_activity_on_an_abandoned_cart_opens_it_again_without_a_second_interaction(browser, clock):
    browser.sent("identify", email="ada@example.com")
    browser.sent("cart_add", cart_id="c1")
    later(clock, 61)
    carts_abandon(now=timezone.now())

    browser.sent("cart_add", cart_id="c1")
    assert Cart.objects.get().status == Cart.Status.OPEN
    later(clock, 61)
    carts_abandon(now=timezone.now())

    assert Cart.objects.get().status == Cart.Status.ABANDONED
    assert Interaction.objects.filter(kind="cart_abandoned").count() == 1
