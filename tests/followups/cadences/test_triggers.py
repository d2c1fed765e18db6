"""What interactions do to cadences: the triggers that enrol, the exits that end."""

import datetime as dt

import pytest
import time_machine

from crm.models import Interaction
from crm.services import interaction_record
from followups.cadences.models import CadenceTrigger, Channel, Enrolment, ExitCondition
from followups.cadences.services import enrolment_create
from followups.cadences.triggers import cadences_apply
from tests.factories import CampaignFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def record(lead, kind, **fields) -> Interaction:
    interaction, _ = interaction_record(lead=lead, kind=kind, source="test", **fields)
    return interaction


def enrolled(cadence, lead) -> list[str]:
    return list(
        Enrolment.objects.filter(cadence=cadence, lead=lead).values_list("status", flat=True)
    )


def test_a_first_purchase_enrols_and_a_later_one_does_not(clock):
    upsell = cadence_with({"channel": Channel.EMAIL, "wait": 30, "wait_unit": "minutes"})
    CadenceTrigger.objects.create(
        cadence=upsell, kind=Interaction.Kind.PURCHASE, first_of_kind=True
    )
    lead = LeadFactory()

    record(lead, Interaction.Kind.PURCHASE)
    clock.shift(dt.timedelta(days=40))
    record(lead, Interaction.Kind.PURCHASE)

    assert enrolled(upsell, lead) == [Enrolment.Status.ACTIVE]


def test_a_trigger_filters_by_campaign_and_by_a_value_in_the_data():
    expo = CampaignFactory(name="Expo")
    booth = cadence_with({"channel": Channel.TASK})
    CadenceTrigger.objects.create(cadence=booth, kind=Interaction.Kind.BOOTH_VISIT, campaign=expo)
    onboarding = cadence_with({"channel": Channel.TASK})
    CadenceTrigger.objects.create(
        cadence=onboarding, kind=Interaction.Kind.NOTE, data_key="name", data_value="signed_up"
    )
    at_expo, elsewhere = LeadFactory(), LeadFactory()

    record(at_expo, Interaction.Kind.BOOTH_VISIT, campaign=expo)
    record(elsewhere, Interaction.Kind.BOOTH_VISIT, campaign=CampaignFactory(name="Other"))
    record(at_expo, Interaction.Kind.NOTE, data={"name": "Signed_Up"})
    record(elsewhere, Interaction.Kind.NOTE, data={"name": "project_created"})

    assert enrolled(booth, at_expo) == [Enrolment.Status.ACTIVE]
    assert enrolled(booth, elsewhere) == []
    assert enrolled(onboarding, at_expo) == [Enrolment.Status.ACTIVE]
    assert enrolled(onboarding, elsewhere) == []


def test_an_inactive_cadence_enrols_nobody():
    off = cadence_with({"channel": Channel.TASK}, is_active=False)
    CadenceTrigger.objects.create(cadence=off, kind=Interaction.Kind.GIVEAWAY_ENTRY)
    lead = LeadFactory()

    record(lead, Interaction.Kind.GIVEAWAY_ENTRY)

    assert enrolled(off, lead) == []


def test_a_reply_ends_the_cadences_that_exit_on_it_and_only_those(clock):
    stops = cadence_with({"channel": Channel.TASK}, {"channel": Channel.TASK})
    goes_on = cadence_with({"channel": Channel.TASK}, exit_on=[ExitCondition.PURCHASE])
    for cadence in (stops, goes_on):
        CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.GIVEAWAY_ENTRY)
    lead = LeadFactory()
    record(lead, Interaction.Kind.GIVEAWAY_ENTRY)
    clock.shift(dt.timedelta(hours=1))

    record(lead, Interaction.Kind.EMAIL_REPLIED)

    ended = Enrolment.objects.get(cadence=stops, lead=lead)
    assert (ended.status, ended.exit_reason) == (Enrolment.Status.EXITED, "Reply to an email")
    assert not ended.touches.filter(status="pending").exists()
    assert enrolled(goes_on, lead) == [Enrolment.Status.ACTIVE]


def test_a_purchase_that_exits_and_enrols_again_is_idempotent(clock):
    """The service reminder: a newer purchase ends the old wait and starts a new one;
    the hook's job run twice changes nothing more."""
    reminder = cadence_with(
        {"channel": Channel.LETTER, "wait": 6, "wait_unit": "months"},
        exit_on=[ExitCondition.PURCHASE],
    )
    CadenceTrigger.objects.create(cadence=reminder, kind=Interaction.Kind.PURCHASE)
    lead = LeadFactory()
    record(lead, Interaction.Kind.PURCHASE)
    clock.shift(dt.timedelta(days=60))

    newer = record(lead, Interaction.Kind.PURCHASE)
    cadences_apply(interactions=[newer])  # the job again

    assert sorted(enrolled(reminder, lead)) == [Enrolment.Status.ACTIVE, Enrolment.Status.EXITED]
    active = Enrolment.objects.get(cadence=reminder, lead=lead, status=Enrolment.Status.ACTIVE)
    assert active.interaction == newer


def test_marking_a_lead_do_not_mail_by_hand_ends_the_cadences_that_exit_on_it():
    letters = cadence_with({"channel": Channel.LETTER}, exit_on=[ExitCondition.DO_NOT_MAIL])
    calls = cadence_with({"channel": Channel.TASK})
    lead = LeadFactory()
    for cadence in (letters, calls):
        enrolment_create(cadence=cadence, lead=lead, source="test")

    lead.do_not_mail = True
    lead.save()

    assert enrolled(letters, lead) == [Enrolment.Status.EXITED]
    assert enrolled(calls, lead) == [Enrolment.Status.ACTIVE]


def test_an_ending_trigger_ends_the_enrolment_even_with_the_cadence_switched_off(clock):
    onboarding = cadence_with({"channel": Channel.TASK, "wait": 3, "wait_unit": "days"})
    CadenceTrigger.objects.create(
        cadence=onboarding, kind=Interaction.Kind.NOTE, data_key="name", data_value="signed_up"
    )
    CadenceTrigger.objects.create(
        cadence=onboarding,
        kind=Interaction.Kind.NOTE,
        data_key="name",
        data_value="project_created",
        ends=True,
    )
    lead = LeadFactory()
    record(lead, Interaction.Kind.NOTE, data={"name": "signed_up"})
    onboarding.is_active = False
    onboarding.save()
    clock.shift(dt.timedelta(hours=1))

    record(lead, Interaction.Kind.NOTE, data={"name": "project_created"})

    ended = Enrolment.objects.get(cadence=onboarding, lead=lead)
    assert ended.status == Enrolment.Status.EXITED
    assert not ended.touches.filter(status="pending").exists()


def test_a_trigger_describes_itself_in_words():
    cadence = cadence_with()
    expo = CampaignFactory(name="Expo")
    described = [
        CadenceTrigger(cadence=cadence, kind=Interaction.Kind.PURCHASE, first_of_kind=True),
        CadenceTrigger(cadence=cadence, kind=Interaction.Kind.BOOTH_VISIT, campaign=expo),
        CadenceTrigger(cadence=cadence, kind=Interaction.Kind.SUPPORT_CALL, sentiment="negative"),
        CadenceTrigger(
            cadence=cadence, kind=Interaction.Kind.APP_EVENT, data_key="name", data_value="x"
        ),
        CadenceTrigger(
            cadence=cadence,
            kind=Interaction.Kind.CONTENT_DOWNLOAD,
            data_key="asset",
            data_value="Guide",
        ),
    ]
    assert [trigger.describe() for trigger in described] == [
        "First purchase",
        "Booth visit in Expo",
        "Support call (negative)",
        "App event “x”",
        "Content download where asset is “Guide”",
    ]
