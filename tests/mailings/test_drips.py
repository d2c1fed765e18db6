import datetime as dt

import pytest
from mailings.drips import enrolments_stop

from crm.models import Interaction
from crm.services import interaction_record
from followups.calls import Outcome, call_log_outcome
from followups.claiming import claim_head
from followups.models import Channel, Touch
from followups.scheduler import scheduler_pass
from mailings.inbound import inbound_event
from mailings.models import Drip, Enrolment, OutboxEmail
from tests.factories import CampaignFactory
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, drip_with_steps

pytestmark = pytest.mark.usefixtures("clock")
Kind = Interaction.Kind


@pytest.fixture
def lead(db, rep_alice):
    return ConsentingLeadFactory(owner=rep_alice, first_name="Ada", phone="+12125550100")


def record(lead, kind, **fields):
    interaction, _ = interaction_record(lead=lead, kind=kind, source="test", **fields)
    return interaction


def email_touches(lead, status=Touch.Status.PENDING):
    return Touch.objects.filter(lead=lead, channel=Channel.EMAIL, status=status)


def enrolled_in(lead) -> set[str]:
    active = Enrolment.objects.filter(lead=lead, status=Enrolment.Status.ACTIVE)
    return set(active.values_list("drip__slug", flat=True))


def test_a_booth_visit_enrols_the_lead_in_that_events_drip(lead):
    expo, other = CampaignFactory(name="Expo 2026"), CampaignFactory(name="Summit")
    drip_with_steps(
        0,
        48,
        name="Expo 2026 follow-up",
        slug="expo-follow-up",
        trigger_kind=Kind.BOOTH_VISIT,
        trigger_campaign=expo,
    )

    record(lead, Kind.BOOTH_VISIT, campaign=other)
    assert "expo-follow-up" not in enrolled_in(lead)

    record(lead, Kind.BOOTH_VISIT, campaign=expo)
    assert "expo-follow-up" in enrolled_in(lead)
    first = email_touches(lead).get()
    assert (first.due_at, first.origin, first.reason) == (
        NOW,
        "Drip: Expo 2026 follow-up",
        "Expo 2026 follow-up: email 1",
    )


def test_a_giveaway_entry_starts_the_value_first_drip(lead):
    record(lead, Kind.GIVEAWAY_ENTRY, campaign=CampaignFactory(name="Spring raffle"))

    assert enrolled_in(lead) == {"giveaway-value-first"}


def test_an_abandoned_cart_gets_two_emails_unless_a_purchase_arrives(lead, clock):
    record(lead, Kind.CART_ABANDONED)
    assert enrolled_in(lead) == {"abandoned-cart"}
    assert email_touches(lead).get().due_at == NOW + dt.timedelta(hours=1)

    clock.shift(dt.timedelta(minutes=30))
    record(lead, Kind.PURCHASE, data={"product": "Pro plan"})

    assert "abandoned-cart" not in enrolled_in(lead)
    stopped = Enrolment.objects.get(lead=lead, drip__slug="abandoned-cart")
    assert stopped.stop_reason == "Purchased"
    assert not OutboxEmail.objects.filter(enrolment=stopped, status="pending").exists()
    assert Touch.objects.get(email__enrolment=stopped).status == Touch.Status.CANCELLED


def test_an_abandoned_cart_drip_sends_both_emails_a_day_apart(lead, clock):
    record(lead, Kind.CART_ABANDONED)

    clock.shift(dt.timedelta(hours=1))
    scheduler_pass()
    clock.shift(dt.timedelta(hours=24))
    scheduler_pass()

    sent = OutboxEmail.objects.filter(lead=lead, status="sent").order_by("sent_at")
    assert [email.subject for email in sent] == [
        "You left something in your cart",
        "Still thinking it over?",
    ]
    assert Enrolment.objects.get(lead=lead).status == Enrolment.Status.COMPLETED


def test_a_purchase_is_followed_by_the_upsell_email_thirty_days_later(lead, clock):
    record(lead, Kind.PURCHASE, data={"product": "Pro plan"})
    upsell = email_touches(lead).get()
    assert upsell.due_at == NOW + dt.timedelta(days=30)

    clock.move_to(upsell.due_at)
    scheduler_pass()

    email = OutboxEmail.objects.get(touch=upsell)
    assert (email.status, email.subject) == ("sent", "Getting the most from your purchase")
    assert email.enrolment.drip.slug == "upsell-after-purchase"


def test_a_voicemail_is_followed_by_the_voicemail_email_the_next_day(lead, clock, rep_alice):
    TouchFactory(lead=lead, assigned_to=rep_alice, due_at=NOW)
    call = claim_head(user_id=rep_alice.pk, now=NOW)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.VOICEMAIL)

    clock.shift(dt.timedelta(days=1))
    scheduler_pass()

    email = OutboxEmail.objects.get(lead=lead)
    assert (email.status, email.subject) == ("sent", "Sorry I missed you, Ada")


def test_an_email_touch_no_drip_sends_is_closed_with_the_reason(lead, clock):
    Drip.objects.filter(for_call_outcome="voicemail").delete()
    touch = TouchFactory(lead=lead, channel=Channel.EMAIL, due_at=NOW, origin="By hand")

    scheduler_pass()

    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "No drip sends this email")


def test_a_lead_is_never_in_the_same_drip_twice_at_once(lead):
    record(lead, Kind.CART_ABANDONED)
    record(lead, Kind.CART_ABANDONED)

    assert Enrolment.objects.filter(lead=lead, drip__slug="abandoned-cart").count() == 1
    assert email_touches(lead).count() == 1


@pytest.mark.parametrize(
    "stop, reason",
    [
        (lambda lead: record(lead, Kind.EMAIL_REPLIED), "Replied"),
        (lambda lead: record(lead, Kind.MEETING), "Meeting booked"),
        (lambda lead: inbound_event(event="bounce", email=lead.email), "Hard bounce"),
        (lambda lead: inbound_event(event="complaint", email=lead.email), "Unsubscribed"),
        (lambda lead: enrolments_stop(lead=lead, reason="Removed by Maria"), "Removed by Maria"),
    ],
    ids=["reply", "meeting", "bounce", "complaint", "manual removal"],
)
def test_each_stop_condition_ends_every_drip_and_its_pending_emails(lead, stop, reason):
    record(lead, Kind.CART_ABANDONED)
    record(lead, Kind.GIVEAWAY_ENTRY)
    assert email_touches(lead).count() == 2

    stop(lead)

    assert enrolled_in(lead) == set()
    assert set(Enrolment.objects.filter(lead=lead).values_list("stop_reason", flat=True)) == {
        reason
    }
    assert not email_touches(lead).exists()
    assert not OutboxEmail.objects.filter(lead=lead, status="pending").exists()


def test_a_meeting_booked_on_a_call_ends_the_drips(lead, rep_alice):
    record(lead, Kind.GIVEAWAY_ENTRY)
    TouchFactory(lead=lead, assigned_to=rep_alice, due_at=NOW)
    call = claim_head(user_id=rep_alice.pk, now=NOW)

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.MEETING)

    assert enrolled_in(lead) == set()


def test_a_purchase_leaves_drips_that_do_not_stop_on_purchase(lead):
    record(lead, Kind.GIVEAWAY_ENTRY)

    record(lead, Kind.PURCHASE)

    assert enrolled_in(lead) == {"giveaway-value-first"}
