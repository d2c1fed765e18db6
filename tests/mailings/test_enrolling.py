"""Enrolling many leads by hand (mailings.enrolling)."""

import pytest
from mailings.drips import enrolment_create, variant_for
from mailings.enrolling import enrolments_create_bulk

from crm.models import Lead
from mailings import enrolling
from mailings.models import DripStep, Enrolment, OutboxEmail
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, drip_with_steps

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def drip(db):
    return drip_with_steps(0, 24, name="Nurture")


def test_bulk_enrolment_plans_what_enrolling_one_lead_plans(drip, manager_maria, rep_alice):
    """The bulk inserts give the rows the values mailings.drips.enrolment_create gives."""
    step = drip.steps.get(position=1)
    DripStep.objects.filter(pk=step.pk).update(delay=2, delay_unit=DripStep.Unit.BUSINESS_DAYS)
    StepVariantFactory(step=step, label="B", subject="Another subject")
    places = [("America/New_York", "US"), ("Asia/Tokyo", "JP"), ("Europe/Berlin", "DE")]
    one_by_one = [
        ConsentingLeadFactory(time_zone=zone, country=c, owner=rep_alice) for zone, c in places
    ]
    in_bulk = [
        ConsentingLeadFactory(time_zone=zone, country=c, owner=rep_alice) for zone, c in places
    ]
    for lead in one_by_one:
        enrolment_create(drip=drip, lead=lead, source="x", by=manager_maria, now=NOW)

    enrolled = enrolments_create_bulk(
        drip=drip, leads=Lead.objects.filter(pk__in=[lead.pk for lead in in_bulk]), by=manager_maria
    )

    assert enrolled == 3

    def planned(lead):
        outbox = OutboxEmail.objects.select_related("touch", "enrolment").get(lead=lead)
        touch, enrolment = outbox.touch, outbox.enrolment
        return (
            (enrolment.status, enrolment.enrolled_by, enrolment.enrolled_at),
            (outbox.step, outbox.status, outbox.variant == variant_for(step, lead)),
            (touch.channel, touch.status, touch.due_at, touch.reason, touch.reason_at),
            (touch.origin, touch.priority, touch.assigned_to, touch.interaction, touch.attempt),
            touch.key == f"drip:{enrolment.pk}:step:{step.pk}",
        )

    for single, bulk in zip(one_by_one, in_bulk, strict=True):
        assert planned(bulk) == planned(single)


def test_bulk_enrolment_skips_a_lead_enrolled_while_it_ran(drip, manager_maria, monkeypatch):
    leads = [ConsentingLeadFactory() for _ in range(3)]
    enrolment_create(drip=drip, lead=leads[1], source="its own trigger")
    # As if the trigger enrolled it between the check and the insert.
    monkeypatch.setattr(enrolling, "leads_to_enrol", lambda *, drip, leads: leads)

    enrolled = enrolments_create_bulk(drip=drip, leads=Lead.objects.all(), by=manager_maria)

    assert enrolled == Lead.objects.count() - 1
    assert Enrolment.objects.filter(lead=leads[1]).get().source == "its own trigger"
    assert Enrolment.objects.filter(drip=drip).count() == Lead.objects.count()
