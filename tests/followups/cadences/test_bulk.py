"""Enrolling many at once, set-based: the same touches one enrolment would plan."""

import datetime as dt

import pytest
import time_machine

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh
from crm.models import Lead
from followups.cadences import bulk
from followups.cadences.audiences import cadence_audience_sync
from followups.cadences.bulk import enrolments_create_bulk
from followups.cadences.models import Channel, Enrolment, WaitUnit
from followups.cadences.services import enrolment_create
from followups.models import Touch
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory

NOW = dt.datetime(2026, 3, 13, 21, 0, tzinfo=dt.UTC)  # Friday evening in New York
pytestmark = pytest.mark.django_db
COMPARED = ("channel", "due_at", "status", "reason", "priority", "assigned_to_id", "origin",
            "talking_points", "attempt", "step_id", "reason_at")  # fmt: skip


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def fields(touch: Touch) -> dict:
    return {name: getattr(touch, name) for name in COMPARED}


def test_bulk_plans_what_one_enrolment_plans(rep_alice):
    cadence = cadence_with(
        {"channel": Channel.CALL, "wait": 1, "wait_unit": WaitUnit.BUSINESS_DAYS, "script": "Hi"}
    )
    one, many = (CallableLeadFactory(owner=rep_alice, score=63) for _ in range(2))
    madrid = CallableLeadFactory(owner=rep_alice, time_zone="Europe/Madrid", country="ES")
    single = enrolment_create(cadence=cadence, lead=one, source="By hand")

    enrolled = enrolments_create_bulk(
        cadence=cadence,
        leads=Lead.objects.filter(pk__in=[one.pk, many.pk, madrid.pk]),
        source="By hand",
    )

    assert enrolled == 2  # the lead enrolled already is passed over
    by_lead = {t.lead_id: t for t in Touch.objects.filter(enrolment__cadence=cadence)}
    assert fields(by_lead[many.pk]) == fields(by_lead[one.pk])
    assert (
        by_lead[many.pk].key
        == f"cadence:{by_lead[many.pk].enrolment_id}:step:{cadence.steps.get().pk}:1"
    )
    assert by_lead[madrid.pk].due_at == dt.datetime(
        2026, 3, 16, 8, 0, tzinfo=dt.UTC
    )  # 09:00 Madrid
    assert single.touches.get().key == by_lead[one.pk].key


def test_bulk_gives_an_unowned_leads_call_to_a_rep(rep_alice):
    cadence = cadence_with({"channel": Channel.CALL})
    lead = CallableLeadFactory(owner=None)

    enrolments_create_bulk(cadence=cadence, leads=Lead.objects.filter(pk=lead.pk), source="x")

    assert Touch.objects.get(lead=lead).assigned_to == rep_alice


def test_a_lead_with_a_call_planned_already_has_the_first_call_folded_into_it(rep_alice):
    cadence = cadence_with(
        {"channel": Channel.CALL, "wait": 1, "wait_unit": WaitUnit.BUSINESS_DAYS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )
    busy, free = (CallableLeadFactory(owner=rep_alice) for _ in range(2))
    planned = TouchFactory(lead=busy, assigned_to=rep_alice)

    enrolled = enrolments_create_bulk(
        cadence=cadence, leads=Lead.objects.filter(pk__in=[busy.pk, free.pk]), source="x"
    )

    assert enrolled == 2
    steps = Touch.objects.filter(enrolment__cadence=cadence).order_by("pk")
    assert list(steps.filter(lead=free).values_list("channel", "status")) == [
        (Channel.CALL, Touch.Status.PENDING)
    ]
    assert list(steps.filter(lead=busy).values_list("channel", "status", "outcome")) == [
        (Channel.CALL, Touch.Status.SKIPPED, "folded into a call already planned"),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]
    assert Touch.objects.get(pk=planned.pk).status == Touch.Status.PENDING


def test_whoever_joins_the_audience_is_enrolled_and_leaving_can_end_it(clock):
    audience = Audience.objects.create(
        name="Spain",
        definition={"match": "all", "rules": [{"type": "country", "countries": ["ES"]}]},
    )
    cadence = cadence_with(
        {"channel": Channel.EMAIL}, audience=audience, exit_on_audience_leave=True
    )
    first = LeadFactory(country="ES")
    audience_refresh(audience=audience, now=NOW)
    assert cadence_audience_sync(cadence=cadence) == 0  # enrolled already by the refresh

    later = LeadFactory(country="ES")
    clock.shift(dt.timedelta(minutes=5))
    audience_refresh(audience=audience, now=dt.datetime(2026, 3, 13, 21, 5, tzinfo=dt.UTC))
    Lead.objects.filter(pk=first.pk).update(country="FR")
    audience_refresh(audience=audience, now=dt.datetime(2026, 3, 13, 21, 5, tzinfo=dt.UTC))

    statuses = dict(Enrolment.objects.filter(cadence=cadence).values_list("lead_id", "status"))
    assert statuses == {first.pk: Enrolment.Status.EXITED, later.pk: Enrolment.Status.ACTIVE}


def test_bulk_passes_over_a_lead_enrolled_while_it_ran(monkeypatch):
    """(Moved from the drips' tests/mailings/test_enrolling.py.)"""
    cadence = cadence_with({"channel": Channel.EMAIL})
    leads = LeadFactory.create_batch(3)
    enrolment_create(cadence=cadence, lead=leads[1], source="its own trigger")
    # As if the trigger enrolled it between the check and the insert.
    monkeypatch.setattr(bulk, "leads_to_enrol", lambda *, cadence, leads: leads)

    enrolled = enrolments_create_bulk(
        cadence=cadence, leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]), source="x"
    )

    assert enrolled == 2
    assert Enrolment.objects.get(lead=leads[1]).source == "its own trigger"
    assert Touch.objects.filter(enrolment__cadence=cadence).count() == 3
