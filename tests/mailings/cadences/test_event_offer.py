"""A new cadence for an event offers to enrol the people already there: on the
builder after saving and on the cadence's page, with their number and one button
that enrols them set-based (switching the cadence on if it is off)."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.models import Interaction
from followups.cadences.models import Cadence, CadenceTrigger, Channel, Enrolment
from followups.models import Touch
from tests.factories import CampaignFactory, InteractionFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory
from tests.mailings.cadences.factories import enrolment
from tests.mailings.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")
Kind = Interaction.Kind


@pytest.fixture
def expo(db):
    return CampaignFactory(name="Expo 2026")


@pytest.fixture
def expo_cadence(expo):
    """Switched off, as a new cadence is: a call after a visit to the Expo's booth."""
    cadence = cadence_with({"channel": Channel.CALL}, name="Expo follow-up", is_active=False)
    CadenceTrigger.objects.create(cadence=cadence, kind=Kind.BOOTH_VISIT, campaign=expo)
    return cadence


def at(campaign, *, days_ago: float = 40, kind=Kind.BOOTH_VISIT) -> Interaction:
    return InteractionFactory(
        lead=CallableLeadFactory(),
        kind=kind,
        campaign=campaign,
        occurred_at=NOW - dt.timedelta(days=days_ago),
    )


def enrol(client, cadence, campaign, expected, *, follow=True):
    url = reverse("cadences:enrol_event", args=[cadence.pk])
    return client.post(url, {"campaign": campaign.pk, "expected": expected}, follow=follow)


def test_the_builder_and_the_page_offer_the_people_already_at_the_event(maria, expo, expo_cadence):
    visitors = [at(expo).lead, at(expo, days_ago=200).lead, at(expo, days_ago=1).lead]
    at(CampaignFactory(name="Other fair"))  # another event
    at(expo, kind=Kind.WEB_VISIT)  # not what the trigger asks
    enrolment(expo_cadence, visitors[0])  # in it already

    for page in ("cadences:edit", "cadences:detail"):
        response = maria.get(reverse(page, args=[expo_cadence.pk]))
        assert "2 people were already at Expo 2026 — enrol them?" in response.text, page
        assert "Switch on and enrol 2 people" in response.text


def test_enrolling_them_switches_the_cadence_on_and_plans_their_first_step(
    maria, expo, expo_cadence, django_assert_max_num_queries
):
    visitors = {at(expo).lead.pk for _ in range(2)} | {at(expo, days_ago=300).lead.pk}

    with django_assert_max_num_queries(30):  # set-based: as many for 3 as for 3,000
        enrol(maria, expo_cadence, expo, 3, follow=False)

    response = maria.get(expo_cadence.get_absolute_url())
    assert "Enrolled 3 people who were at Expo 2026." in response.text
    expo_cadence.refresh_from_db()
    assert expo_cadence.is_active
    enrolled = Enrolment.objects.filter(cadence=expo_cadence)
    assert set(enrolled.values_list("lead_id", flat=True)) == visitors
    assert enrolled.first().source.startswith("Already at Expo 2026")
    assert Touch.objects.filter(enrolment__in=enrolled, channel=Channel.CALL).count() == 3
    assert "already at Expo 2026 — enrol" not in response.text


def test_a_changed_count_enrols_nobody_and_shows_the_new_count(maria, expo, expo_cadence):
    at(expo)
    at(expo)

    response = enrol(maria, expo_cadence, expo, 1)

    assert "The number of leads changed since you looked" in response.text
    assert "2 people were already at Expo 2026" in response.text
    assert not Enrolment.objects.exists()
    assert not Cadence.objects.get(pk=expo_cadence.pk).is_active


def test_a_campaign_the_cadence_has_no_trigger_for_enrols_nobody(maria, expo_cadence):
    other = CampaignFactory(name="Other fair")
    at(other)

    response = enrol(maria, expo_cadence, other, 1)

    assert "Which event?" in response.text
    assert not Enrolment.objects.exists()


def test_reps_cannot_enrol_an_event(client, rep_alice, expo, expo_cadence):
    at(expo)
    client.force_login(rep_alice)
    assert enrol(client, expo_cadence, expo, 1).status_code == 403
    assert not Enrolment.objects.exists()


def test_a_cadence_without_an_event_trigger_offers_nothing(maria, expo):
    cadence = cadence_with({"channel": Channel.CALL}, name="Any booth")
    CadenceTrigger.objects.create(cadence=cadence, kind=Kind.BOOTH_VISIT)
    at(expo)

    assert "already at" not in maria.get(reverse("cadences:edit", args=[cadence.pk])).text
