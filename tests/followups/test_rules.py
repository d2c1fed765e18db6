import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from followups.rules import describe, rules_apply, rules_apply_many

from crm import jobs
from crm.models import Interaction, Lead
from crm.scoring.models import ScoringRule
from crm.services import interaction_record
from followups.models import Channel, Holiday, Rule, Touch
from tests.factories import CampaignFactory, InteractionFactory
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
Kind = Interaction.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def no_scoring():
    """The priorities here are the rules' own; the lead score's share of a call's
    priority is tested in tests/crm/scoring."""
    ScoringRule.objects.update(is_active=False)


@pytest.fixture
def lead(rep_alice):
    return CallableLeadFactory(owner=rep_alice)


def record(lead: Lead, kind: str, **fields) -> Interaction:
    interaction, _ = interaction_record(lead=lead, kind=kind, source="test", **fields)
    return interaction


def open_calls(lead: Lead):
    return Touch.objects.filter(lead=lead, channel=Channel.CALL, status__in=Touch.OPEN)


def test_a_content_download_asks_the_owner_to_call_now(lead, rep_alice):
    record(lead, Kind.CONTENT_DOWNLOAD, data={"asset": "Pricing guide"})

    call = Touch.objects.get(lead=lead)
    assert (call.channel, call.status, call.due_at, call.priority, call.assigned_to) == (
        Channel.CALL,
        Touch.Status.PENDING,
        NOW,
        90,
        rep_alice,
    )
    assert call.reason == "Downloaded Pricing guide"
    assert call.talking_points.startswith("Ask what they hope to solve")


@pytest.mark.parametrize(
    ("zone", "country", "visited", "expected"),
    [
        # Friday afternoon in New York: Monday 09:00 EDT.
        ("America/New_York", "US", (2026, 3, 13, 20, 0), (2026, 3, 16, 13, 0)),
        # Friday afternoon in Berlin: Monday 09:00 CET.
        ("Europe/Berlin", "DE", (2026, 3, 13, 15, 0), (2026, 3, 16, 8, 0)),
        # Friday evening in Los Angeles is Saturday in UTC: still Monday 09:00 PDT.
        ("America/Los_Angeles", "US", (2026, 3, 14, 2, 0), (2026, 3, 16, 16, 0)),
    ],
)
def test_a_booth_visit_is_called_at_the_start_of_the_next_business_day_in_the_leads_zone(
    clock, rep_alice, zone, country, visited, expected
):
    lead = CallableLeadFactory(owner=rep_alice, time_zone=zone, country=country)
    clock.move_to(dt.datetime(*visited, tzinfo=dt.UTC))

    record(lead, Kind.BOOTH_VISIT, campaign=CampaignFactory(name="Expo 2026"))

    call = Touch.objects.get(lead=lead)
    assert call.due_at == dt.datetime(*expected, tzinfo=dt.UTC)
    assert (call.priority, call.assigned_to, call.reason) == (
        60,
        rep_alice,
        "Visited the booth at Expo 2026",
    )


@pytest.mark.parametrize("holiday_country", ["", "US"])
def test_a_booth_visit_before_a_holiday_is_called_the_day_after_it(clock, lead, holiday_country):
    Holiday.objects.create(date=dt.date(2026, 3, 16), name="Bank holiday", country=holiday_country)
    clock.move_to(dt.datetime(2026, 3, 13, 20, 0, tzinfo=dt.UTC))

    record(lead, Kind.BOOTH_VISIT)

    assert Touch.objects.get(lead=lead).due_at == dt.datetime(2026, 3, 17, 13, 0, tzinfo=dt.UTC)


def test_another_countrys_holiday_does_not_delay_the_call(clock, lead):
    Holiday.objects.create(date=dt.date(2026, 3, 16), name="Rosenmontag", country="DE")
    clock.move_to(dt.datetime(2026, 3, 13, 20, 0, tzinfo=dt.UTC))

    record(lead, Kind.BOOTH_VISIT)

    assert Touch.objects.get(lead=lead).due_at == dt.datetime(2026, 3, 16, 13, 0, tzinfo=dt.UTC)


def test_a_booth_visit_imported_late_is_called_the_business_day_after_the_import(lead):
    record(lead, Kind.BOOTH_VISIT, occurred_at=NOW - dt.timedelta(days=6))

    assert Touch.objects.get(lead=lead).due_at == dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)


def test_an_unhappy_support_call_sends_a_manager_to_apologise(lead, manager_maria):
    record(lead, Kind.SUPPORT_CALL, sentiment=Interaction.Sentiment.NEGATIVE)

    call = Touch.objects.get(lead=lead)
    assert (call.channel, call.priority, call.assigned_to, call.due_at) == (
        Channel.CALL,
        95,
        manager_maria,
        NOW,
    )
    assert call.reason == "Called support and was unhappy"
    assert call.talking_points.startswith("Apologise for the trouble")


@pytest.mark.parametrize("sentiment", ["positive", "neutral", ""])
def test_a_support_call_that_went_well_plans_nothing(lead, manager_maria, sentiment):
    record(lead, Kind.SUPPORT_CALL, sentiment=sentiment)

    assert not Touch.objects.filter(lead=lead).exists()


def test_an_unhappy_customer_already_due_a_reps_call_gets_the_managers_call_instead(
    lead, rep_alice, manager_maria
):
    record(lead, Kind.BOOTH_VISIT)

    record(lead, Kind.SUPPORT_CALL, sentiment=Interaction.Sentiment.NEGATIVE)

    call = open_calls(lead).get()
    assert (call.assigned_to, call.priority, call.due_at) == (manager_maria, 95, NOW)
    assert call.reason == "Called support and was unhappy"


def test_a_purchase_plans_an_upsell_email_thirty_days_later(lead):
    record(lead, Kind.PURCHASE, data={"product": "Pro plan"})

    email = Touch.objects.get(lead=lead)
    assert (email.channel, email.status, email.due_at, email.priority) == (
        Channel.EMAIL,
        Touch.Status.PENDING,
        NOW + dt.timedelta(days=30),
        30,
    )
    assert email.reason == "Bought Pro plan"


def test_a_rule_with_a_sentiment_only_fires_for_that_sentiment(lead):
    Rule.objects.create(
        name="Happy visitor: call",
        trigger_kind=Kind.WEB_VISIT,
        trigger_sentiment=Interaction.Sentiment.POSITIVE,
        channel=Channel.CALL,
        priority=70,
    )

    record(lead, Kind.WEB_VISIT, sentiment=Interaction.Sentiment.NEUTRAL)
    assert not Touch.objects.filter(lead=lead).exists()

    record(lead, Kind.WEB_VISIT, sentiment=Interaction.Sentiment.POSITIVE, data={"url": "/pricing"})
    assert Touch.objects.get(lead=lead).reason == "Visited /pricing"


def test_a_rule_added_by_a_manager_takes_effect(lead):
    Rule.objects.create(
        name="Giveaway: letter two days later",
        trigger_kind=Kind.GIVEAWAY_ENTRY,
        channel=Channel.LETTER,
        delay_minutes=2 * 24 * 60,
    )

    record(lead, Kind.GIVEAWAY_ENTRY, campaign=CampaignFactory(name="Spring raffle"))

    letter = Touch.objects.get(lead=lead, channel=Channel.LETTER)
    assert (letter.channel, letter.due_at, letter.reason) == (
        Channel.LETTER,
        NOW + dt.timedelta(days=2),
        "Entered Spring raffle",
    )


def test_a_rule_changed_or_switched_off_in_the_database_takes_effect(rep_alice):
    download_rule = Rule.objects.get(trigger_kind=Kind.CONTENT_DOWNLOAD)
    download_rule.priority = 99
    download_rule.save()
    first, second = CallableLeadFactory.create_batch(2, owner=rep_alice)

    record(first, Kind.CONTENT_DOWNLOAD)
    Rule.objects.filter(pk=download_rule.pk).update(is_active=False)
    record(second, Kind.CONTENT_DOWNLOAD)

    assert Touch.objects.get(lead=first).priority == 99
    assert not Touch.objects.filter(lead=second).exists()


def test_a_rule_for_chosen_reps_gives_an_unowned_lead_to_one_of_them(rep_alice, rep_bob):
    rule = Rule.objects.create(
        name="Referral: Alice calls", trigger_kind=Kind.REFERRAL, assign=Rule.Assign.REPS
    )
    rule.reps.add(rep_alice)
    TouchFactory.create_batch(3, assigned_to=rep_alice)  # Alice is the busier rep
    lead = CallableLeadFactory(owner=None)

    record(lead, Kind.REFERRAL)

    assert Touch.objects.get(lead=lead).assigned_to == rep_alice


def test_running_the_rules_twice_for_one_interaction_plans_nothing_new(lead):
    download = record(lead, Kind.CONTENT_DOWNLOAD)
    visit = record(lead, Kind.BOOTH_VISIT)
    purchase = record(lead, Kind.PURCHASE)
    before = list(Touch.objects.order_by("pk").values())

    for interaction in (download, visit, purchase):
        rules_apply(interaction=interaction)
        jobs.interaction_recorded(interaction.pk)

    assert list(Touch.objects.order_by("pk").values()) == before
    assert len(before) == 2  # one call (two reasons) and one email


def test_an_unowned_lead_goes_to_the_least_busy_rep_who_becomes_its_owner(rep_alice, rep_bob):
    TouchFactory.create_batch(2, assigned_to=rep_alice)
    TouchFactory(assigned_to=rep_bob, status=Touch.Status.DONE)  # done work doesn't count
    lead = CallableLeadFactory(owner=None)

    record(lead, Kind.CONTENT_DOWNLOAD)

    assert Touch.objects.get(lead=lead).assigned_to == rep_bob
    lead.refresh_from_db()
    assert lead.owner == rep_bob


def test_a_batch_of_unowned_leads_is_shared_out_as_it_is_planned(
    rep_alice, rep_bob, django_assert_max_num_queries
):
    TouchFactory(assigned_to=rep_alice)  # Alice starts one call busier
    downloads = [
        InteractionFactory(lead=CallableLeadFactory(owner=None), kind=Kind.CONTENT_DOWNLOAD)
        for _ in range(5)
    ]

    # Rules, scores, workloads and reps once; then per call its key, its lead's
    # owner, the insert (in a savepoint) and the one-open-call check.
    with django_assert_max_num_queries(5 + 5 * 8):
        rules_apply_many(interactions=downloads)

    owners = [Lead.objects.get(pk=download.lead_id).owner for download in downloads]
    assert owners == [rep_bob, rep_alice, rep_bob, rep_alice, rep_bob]
    assert [Touch.objects.get(lead=d.lead_id).assigned_to for d in downloads] == owners


def test_a_lead_given_to_a_rep_while_the_rules_ran_stays_with_that_rep(rep_alice, rep_bob):
    TouchFactory(assigned_to=rep_bob)  # Alice is the less busy rep
    lead = CallableLeadFactory(owner=None)
    download = InteractionFactory(lead=lead, kind=Kind.CONTENT_DOWNLOAD)
    Lead.objects.filter(pk=lead.pk).update(owner=rep_bob)  # another job, meanwhile

    rules_apply(interaction=download)

    assert Touch.objects.get(lead=lead).assigned_to == rep_bob
    lead.refresh_from_db()
    assert lead.owner == rep_bob


@pytest.mark.parametrize(
    "lead_fields",
    [
        {"do_not_call": True},
        {"phone_invalid": True},
        {"phone": ""},
        {"calls_paused_until": NOW + dt.timedelta(days=10)},
    ],
    ids=["do-not-call", "phone-invalid", "no-phone", "calls-paused"],
)
def test_a_lead_that_may_not_be_called_gets_no_call(rep_alice, lead_fields):
    lead = CallableLeadFactory(owner=rep_alice, **lead_fields)

    record(lead, Kind.CONTENT_DOWNLOAD)
    record(lead, Kind.PURCHASE)

    assert list(Touch.objects.filter(lead=lead).values_list("channel", flat=True)) == [
        Channel.EMAIL
    ]


@pytest.mark.parametrize(
    "kinds",
    [(Kind.BOOTH_VISIT, Kind.CONTENT_DOWNLOAD), (Kind.CONTENT_DOWNLOAD, Kind.BOOTH_VISIT)],
)
def test_two_reasons_to_call_a_lead_make_one_call_the_sooner_and_more_urgent(lead, kinds):
    for kind in kinds:
        record(lead, kind, data={"asset": "Pricing guide"})

    call = open_calls(lead).get()
    assert (call.due_at, call.priority, call.reason) == (NOW, 90, "Downloaded Pricing guide")


def test_a_later_reason_to_call_does_not_delay_the_open_call(lead, clock):
    record(lead, Kind.CONTENT_DOWNLOAD, data={"asset": "Pricing guide"})
    clock.shift(dt.timedelta(hours=1))

    record(lead, Kind.BOOTH_VISIT)

    call = open_calls(lead).get()
    assert (call.due_at, call.priority, call.reason) == (NOW, 90, "Downloaded Pricing guide")


def test_the_database_refuses_a_second_open_call_for_a_lead(lead):
    TouchFactory(lead=lead, status=Touch.Status.DONE)
    TouchFactory(lead=lead, status=Touch.Status.CANCELLED)
    TouchFactory(lead=lead, channel=Channel.EMAIL)
    TouchFactory(lead=lead)

    with pytest.raises(IntegrityError):
        TouchFactory(lead=lead, status=Touch.Status.CLAIMED)


def test_the_lead_page_shows_the_next_touch_and_why(alice, lead):
    record(lead, Kind.CONTENT_DOWNLOAD, data={"asset": "Pricing guide"})

    response = alice.get(lead.get_absolute_url())

    assert response.status_code == 200
    assert '<h2 id="upcoming-heading">Next</h2>' in response.text
    assert "Call</strong> — Downloaded Pricing guide" in response.text
    assert "for Alice Rep" in response.text


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        (Kind.CONTENT_DOWNLOAD, {"data": {"asset": "Pricing guide"}}, "Downloaded Pricing guide"),
        (Kind.CONTENT_DOWNLOAD, {}, "Downloaded content"),
        (Kind.WEB_VISIT, {"data": {"url": "/pricing"}}, "Visited /pricing"),
        (Kind.BOOTH_VISIT, {}, "Visited the booth at an event"),
        (Kind.CART_ABANDONED, {}, "Left a cart without buying"),
        (Kind.PURCHASE, {"data": {"product": "Pro plan"}}, "Bought Pro plan"),
        (Kind.SUPPORT_CALL, {"sentiment": "negative"}, "Called support and was unhappy"),
        (Kind.SUPPORT_CALL, {}, "Called support"),
        (
            Kind.EMAIL_REPLIED,
            {"notes": "Asks for a quote"},
            "Replied to an email: Asks for a quote",
        ),
        (Kind.MEETING, {}, "Meeting"),
        (Kind.APP_EVENT, {"data": {"name": "signed_up"}}, "App event: signed_up"),
    ],
)
def test_reasons_are_plain_words(kind, fields, words):
    assert describe(InteractionFactory(kind=kind, **fields)) == words


def test_a_reason_names_the_campaign():
    visit = InteractionFactory(kind=Kind.BOOTH_VISIT, campaign=CampaignFactory(name="Expo 2026"))

    assert describe(visit) == "Visited the booth at Expo 2026"
