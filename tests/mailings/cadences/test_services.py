"""Switching a cadence on or off (mailings.cadences.services)."""

import datetime as dt

import pytest

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh
from crm.models import Interaction
from followups.cadences.models import CadenceTrigger, Channel, Enrolment
from mailings.cadences.services import cadence_switch_off, cadence_switch_on
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.mailings.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def spain(db):
    return Audience.objects.create(
        name="Spain",
        definition={"match": "all", "rules": [{"type": "country", "countries": ["ES"]}]},
    )


def test_switching_on_enrols_the_recent_triggers_and_the_audience_once_each(manager_maria, spain):
    cadence = cadence_with({"channel": Channel.TASK}, audience=spain, is_active=False)
    CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.BOOTH_VISIT)
    both, member = LeadFactory.create_batch(2, country="ES")
    visitor = LeadFactory()
    audience_refresh(audience=spain, now=NOW)
    for lead in (both, visitor):
        InteractionFactory(
            lead=lead, kind=Interaction.Kind.BOOTH_VISIT, occurred_at=NOW - dt.timedelta(days=2)
        )

    switched = cadence_switch_on(cadence=cadence, by=manager_maria, recent_days=7)

    cadence.refresh_from_db()
    assert cadence.is_active
    assert (switched.from_triggers, switched.from_audience) == (2, 1)
    enrolled = Enrolment.objects.filter(cadence=cadence)
    assert sorted(enrolled.values_list("lead_id", flat=True)) == sorted(
        [both.pk, member.pk, visitor.pk]
    )
    assert enrolled.get(lead=visitor).source == (
        "Its trigger in the last 7 days, enrolled when Maria Manager switched the cadence on"
    )
    assert enrolled.get(lead=member).source == "Joined the audience Spain"


def test_switching_on_without_days_enrols_no_one_from_before(manager_maria):
    cadence = cadence_with({"channel": Channel.TASK}, is_active=False)
    CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.BOOTH_VISIT)
    InteractionFactory(kind=Interaction.Kind.BOOTH_VISIT, occurred_at=NOW)

    switched = cadence_switch_on(cadence=cadence, by=manager_maria, recent_days=None)

    assert (switched.from_triggers, switched.from_audience) == (0, 0)
    assert not cadence.enrolments.exists()


def test_switching_off_keeps_those_in_it(manager_maria, spain):
    cadence = cadence_with({"channel": Channel.TASK}, audience=spain)
    LeadFactory(country="ES")
    audience_refresh(audience=spain, now=NOW)  # on: the member is enrolled

    cadence_switch_off(cadence=cadence)
    LeadFactory(country="ES")
    audience_refresh(audience=spain, now=NOW)  # off: the new member is not

    cadence.refresh_from_db()
    assert not cadence.is_active
    assert list(cadence.enrolments.values_list("status", flat=True)) == ["active"]
