"""Switching a cadence on or off from its page: who is enrolled then, from before
and from an audience."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh
from crm.models import Interaction
from followups.cadences.models import Cadence, Channel, Enrolment
from followups.models import Touch
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory
from tests.mailings.cadences.factories import enrolment
from tests.mailings.cadences.pages import text_of
from tests.mailings.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")
Kind = Interaction.Kind
Status = Enrolment.Status
LIST = reverse("cadences:list")


def test_switching_off_stops_enrolling_but_keeps_those_in_it(maria, booth, dana):
    response = maria.post(reverse("cadences:switch_off", args=[booth.pk]), {"next": "list"})

    booth.refresh_from_db()
    dana.refresh_from_db()
    assert response.url == LIST
    assert (booth.is_active, dana.status) == (False, Status.ACTIVE)


@pytest.fixture
def off(booth):
    Cadence.objects.filter(pk=booth.pk).update(is_active=False)
    booth.refresh_from_db()
    return booth


def visitor(days_ago: float) -> Interaction:
    return InteractionFactory(
        lead=CallableLeadFactory(),
        kind=Kind.BOOTH_VISIT,
        occurred_at=NOW - dt.timedelta(days=days_ago),
    )


def switch_on(off):
    return reverse("cadences:switch_on", args=[off.pk])


def test_switching_on_offers_to_enrol_those_whose_trigger_happened_lately(maria, off):
    recent = [visitor(1).lead, visitor(6).lead]
    older = visitor(10).lead
    enrolment(off, visitor(2).lead)  # in it already

    page = maria.get(switch_on(off))
    fortnight = maria.get(switch_on(off), {"days": 14})

    assert page.status_code == 200
    assert "2 leads had a matching interaction in the last 7 days" in text_of(page)
    assert 'name="expected" value="2"' in page.text
    assert "3 leads had a matching interaction in the last 14 days" in text_of(fortnight)

    response = maria.post(switch_on(off), {"days": 7, "expected": 2, "enrol": "recent"})

    off.refresh_from_db()
    assert response.url == off.get_absolute_url()
    assert off.is_active
    new = Enrolment.objects.filter(cadence=off, lead__in=recent)
    assert new.count() == 2
    assert new.first().source.startswith("Its trigger in the last 7 days")
    assert new.first().enrolled_by.username == "maria"
    assert Touch.objects.filter(enrolment__in=new, step__position=1).count() == 2
    assert not Enrolment.objects.filter(cadence=off, lead=older).exists()


def test_switching_on_without_enrolling_those_from_before(maria, off):
    visitor(1)

    maria.post(switch_on(off), {"days": 7, "expected": 1, "enrol": "none"})

    off.refresh_from_db()
    assert off.is_active
    assert not off.enrolments.exists()


def test_switching_on_asks_again_when_the_count_changed(maria, off):
    visitor(1)
    visitor(2)

    response = maria.post(switch_on(off), {"days": 7, "expected": 1, "enrol": "recent"})

    off.refresh_from_db()
    assert response.status_code == 400
    assert "The number of leads changed since you looked" in response.text
    assert 'name="expected" value="2"' in response.text
    assert not off.is_active
    assert not off.enrolments.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"days": "x"},
        {"days": 0},
        {"days": 366},
        {"days": 7, "enrol": "recent"},  # no count confirmed
        {"days": 7, "enrol": "everyone", "expected": 0},
        {"days": 7, "enrol": "recent", "expected": -1},
    ],
)
def test_switching_on_with_bad_input_is_a_400(maria, off, data):
    assert maria.post(switch_on(off), data).status_code == 400
    off.refresh_from_db()
    assert not off.is_active


def test_a_bad_number_of_days_on_the_page_is_a_field_error(maria, off):
    response = maria.get(switch_on(off), {"days": "abc"})

    assert response.status_code == 400
    assert "Enter a whole number." in response.text


def test_switching_on_a_cadence_with_an_audience_enrols_its_members(maria, manager_maria):
    audience = Audience.objects.create(
        name="Spain",
        definition={"match": "all", "rules": [{"type": "country", "countries": ["ES"]}]},
    )
    cadence = cadence_with({"channel": Channel.TASK}, audience=audience, is_active=False)
    members = LeadFactory.create_batch(2, country="ES")
    audience_refresh(audience=audience, now=NOW)
    assert not cadence.enrolments.exists()  # off: joining enrolled no one

    page = maria.get(switch_on(cadence))
    response = maria.post(switch_on(cadence), {"days": 7}, follow=True)

    assert "2 members of Spain are enrolled" in text_of(page)
    assert "Trigger in the last" not in page.text  # no interaction trigger
    assert set(cadence.enrolments.values_list("lead_id", flat=True)) == {m.pk for m in members}
    assert "Enrolled 2 people from its audience." in response.text


def test_switching_on_a_cadence_that_is_on_changes_nothing(maria, booth):
    response = maria.post(switch_on(booth), {"days": 7, "expected": 0, "enrol": "recent"})

    assert response.url == booth.get_absolute_url()
    assert not booth.enrolments.exists()
