"""Who works a cadence's call, personal email or task, and the one open call a
lead has however many plays want to call it."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError

from crm.models import Interaction, Lead
from crm.scoring.models import ScoringRule
from crm.services import interaction_record
from followups.cadences.models import Cadence, CadenceTrigger, Channel
from followups.cadences.triggers import cadences_apply, describe
from followups.models import Touch
from tests.factories import CampaignFactory, InteractionFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
Kind = Interaction.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def only_our_plays():
    """The installed plays are tested in tests/mailings/cadences/test_plays.py; here
    only the cadences a test makes run, and priorities carry no score bonus."""
    Cadence.objects.update(is_active=False)
    ScoringRule.objects.update(is_active=False)


def play(*steps, kind=Kind.CONTENT_DOWNLOAD, **fields) -> Cadence:
    cadence = cadence_with(*(steps or ({"channel": Channel.CALL, "priority": 70},)), **fields)
    CadenceTrigger.objects.create(cadence=cadence, kind=kind)
    return cadence


def record(lead: Lead, kind: str, **fields) -> Interaction:
    interaction, _ = interaction_record(lead=lead, kind=kind, source="test", **fields)
    return interaction


def open_calls(lead: Lead):
    return Touch.objects.filter(lead=lead, channel=Channel.CALL, status__in=Touch.OPEN)


def test_an_unowned_lead_goes_to_the_least_busy_rep_who_becomes_its_owner(rep_alice, rep_bob):
    play()
    TouchFactory.create_batch(2, assigned_to=rep_alice)
    TouchFactory(assigned_to=rep_bob, status=Touch.Status.DONE)  # done work doesn't count
    lead = CallableLeadFactory(owner=None)

    record(lead, Kind.CONTENT_DOWNLOAD)

    assert open_calls(lead).get().assigned_to == rep_bob
    lead.refresh_from_db()
    assert lead.owner == rep_bob


def test_a_batch_of_unowned_leads_is_shared_out_as_it_is_planned(rep_alice, rep_bob):
    play()
    TouchFactory(assigned_to=rep_alice)  # Alice starts one call busier
    downloads = [
        InteractionFactory(lead=CallableLeadFactory(owner=None), kind=Kind.CONTENT_DOWNLOAD)
        for _ in range(5)
    ]

    cadences_apply(interactions=downloads)

    owners = [Lead.objects.get(pk=download.lead_id).owner for download in downloads]
    assert owners == [rep_bob, rep_alice, rep_bob, rep_alice, rep_bob]
    assert [open_calls(d.lead).get().assigned_to for d in downloads] == owners


def test_a_play_for_chosen_reps_gives_an_unowned_lead_to_one_of_them(rep_alice, rep_bob):
    referrals = play(kind=Kind.REFERRAL, assign=Cadence.Assign.REPS)
    referrals.reps.add(rep_alice)
    TouchFactory.create_batch(3, assigned_to=rep_alice)  # Alice is the busier rep
    lead = CallableLeadFactory(owner=None)

    record(lead, Kind.REFERRAL)

    assert open_calls(lead).get().assigned_to == rep_alice


def test_a_managers_play_goes_to_the_least_busy_manager(lead_owner_rep, manager_maria):
    play(kind=Kind.SUPPORT_CALL, assign=Cadence.Assign.MANAGER)

    record(lead_owner_rep, Kind.SUPPORT_CALL)

    assert open_calls(lead_owner_rep).get().assigned_to == manager_maria


@pytest.fixture
def lead_owner_rep(rep_alice):
    return CallableLeadFactory(owner=rep_alice)


def test_a_lead_given_to_a_rep_while_planning_stays_with_that_rep(rep_alice, rep_bob):
    play()
    TouchFactory(assigned_to=rep_bob)  # Alice is the less busy rep
    lead = CallableLeadFactory(owner=None)
    download = InteractionFactory(lead=lead, kind=Kind.CONTENT_DOWNLOAD)
    Lead.objects.filter(pk=lead.pk).update(owner=rep_bob)  # another job, meanwhile

    cadences_apply(interactions=[download])

    assert open_calls(lead).get().assigned_to == rep_bob
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
def test_a_lead_that_may_not_be_called_has_the_call_step_skipped(rep_alice, lead_fields):
    play({"channel": Channel.CALL}, {"channel": Channel.TASK})
    lead = CallableLeadFactory(owner=rep_alice, **lead_fields)

    record(lead, Kind.CONTENT_DOWNLOAD)

    touches = Touch.objects.filter(lead=lead).order_by("pk")
    assert [(t.channel, t.status) for t in touches] == [
        (Channel.CALL, Touch.Status.SKIPPED),
        (Channel.TASK, Touch.Status.PENDING),
    ]
    assert touches[0].outcome


def test_two_plays_that_call_a_lead_make_one_call_the_sooner_and_more_urgent(rep_alice):
    play({"channel": Channel.CALL, "priority": 60, "wait": 1, "wait_unit": "business_days"},
         kind=Kind.BOOTH_VISIT)  # fmt: skip
    play({"channel": Channel.CALL, "priority": 90})
    lead = CallableLeadFactory(owner=rep_alice)

    record(lead, Kind.BOOTH_VISIT)
    record(lead, Kind.CONTENT_DOWNLOAD)

    call = open_calls(lead).get()
    assert (call.due_at, call.priority) == (NOW, 90)


def test_the_database_refuses_a_second_open_call_for_a_lead(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    TouchFactory(lead=lead)

    with pytest.raises(IntegrityError):
        TouchFactory(lead=lead, status=Touch.Status.CLAIMED)


def test_a_booth_visit_imported_late_is_called_the_business_day_after_the_import(rep_alice):
    play({"channel": Channel.CALL, "wait": 1, "wait_unit": "business_days"}, kind=Kind.BOOTH_VISIT)
    lead = CallableLeadFactory(owner=rep_alice)

    record(lead, Kind.BOOTH_VISIT, occurred_at=NOW - dt.timedelta(days=6))

    assert open_calls(lead).get().due_at == dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        (Kind.CONTENT_DOWNLOAD, {"data": {"asset": "Pricing guide"}}, "Downloaded “Pricing guide”"),
        (Kind.CONTENT_DOWNLOAD, {}, "Downloaded content"),
        (Kind.WEB_VISIT, {"data": {"url": "/pricing"}}, "Visited /pricing"),
        (Kind.BOOTH_VISIT, {}, "Visited a booth"),
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
        (Kind.APP_EVENT, {"data": {"name": "signed_up"}}, "In the app: signed_up"),
    ],
)
def test_reasons_are_plain_words(kind, fields, words):
    assert describe(InteractionFactory(kind=kind, **fields)) == words


def test_a_reason_names_the_campaign():
    visit = InteractionFactory(kind=Kind.BOOTH_VISIT, campaign=CampaignFactory(name="Expo 2026"))

    assert describe(visit) == "Visited the booth at Expo 2026"


def test_the_touch_says_which_play_and_step_and_why(rep_alice):
    play({"channel": Channel.CALL}, name="Hot downloads")
    lead = CallableLeadFactory(owner=rep_alice)

    record(lead, Kind.CONTENT_DOWNLOAD, data={"asset": "Pricing guide"})

    call = open_calls(lead).get()
    assert call.reason == "Hot downloads, step 1 (call): Downloaded “Pricing guide”"
    assert call.origin == "Cadence: Hot downloads"
