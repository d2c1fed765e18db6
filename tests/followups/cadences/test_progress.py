"""A lead's way through a cadence: each step a touch in the ledger, the next one
planned when it closes, skipped steps passed, the end reached once."""

import datetime as dt

import pytest
import time_machine

from followups.cadences.models import Channel, Enrolment, WaitUnit
from followups.cadences.services import enrolment_create
from followups.models import Touch
from followups.services import touches_complete, touches_skip
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def enrol(cadence, lead=None):
    return enrolment_create(cadence=cadence, lead=lead or LeadFactory(), source="test")


def steps_of(enrolment):
    return list(
        Touch.objects.filter(enrolment=enrolment)
        .order_by("pk")
        .values_list("step__position", "channel", "status")
    )


@pytest.mark.django_db
def test_enrolling_plans_the_first_step_as_a_touch_with_its_wait():
    cadence = cadence_with(
        {
            "channel": Channel.TASK,
            "wait": 2,
            "wait_unit": WaitUnit.HOURS,
            "script": "Send the sample",
        }
    )

    enrolment = enrol(cadence)

    touch = Touch.objects.get(enrolment=enrolment)
    assert (touch.channel, touch.due_at, touch.status) == (
        Channel.TASK,
        NOW + dt.timedelta(hours=2),
        Touch.Status.PENDING,
    )
    assert touch.talking_points == "Send the sample"
    assert touch.key == f"cadence:{enrolment.pk}:step:{touch.step_id}:1"
    assert enrolment.step == touch.step


@pytest.mark.django_db
def test_closing_a_step_plans_the_next_and_the_last_one_finishes_it(clock):
    cadence = cadence_with(
        {"channel": Channel.TASK},
        {"channel": Channel.EMAIL, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )
    enrolment = enrol(cadence)
    first = Touch.objects.get(enrolment=enrolment)

    touches_complete(touch_ids=[first.pk], outcome="done", now=NOW)
    touches_complete(touch_ids=[first.pk], outcome="done", now=NOW)  # a job run twice

    second = Touch.objects.get(enrolment=enrolment, step__position=2)
    assert second.due_at == NOW + dt.timedelta(days=1)
    assert Touch.objects.filter(enrolment=enrolment).count() == 2

    touches_complete(touch_ids=[second.pk], outcome="sent", now=NOW)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.FINISHED
    assert enrolment.exit_reason == "Went through every step"


@pytest.mark.django_db
def test_a_skipped_step_says_why_and_the_cadence_goes_on():
    cadence = cadence_with({"channel": Channel.LETTER}, {"channel": Channel.TASK})
    enrolment = enrol(cadence)
    letter = Touch.objects.get(enrolment=enrolment)

    touches_skip(touch_ids=[letter.pk], outcome="no postal address")

    assert steps_of(enrolment) == [
        (1, Channel.LETTER, Touch.Status.SKIPPED),
        (2, Channel.TASK, Touch.Status.PENDING),
    ]


@pytest.mark.django_db
def test_a_call_to_a_lead_without_a_phone_is_skipped_at_once():
    cadence = cadence_with({"channel": Channel.CALL}, {"channel": Channel.EMAIL})

    enrolment = enrol(cadence, LeadFactory(phone=""))

    assert steps_of(enrolment) == [
        (1, Channel.CALL, Touch.Status.SKIPPED),
        (2, Channel.EMAIL, Touch.Status.PENDING),
    ]


@pytest.mark.django_db
def test_a_second_cadences_call_folds_into_the_open_call():
    lead = CallableLeadFactory()
    first = enrol(cadence_with({"channel": Channel.CALL, "priority": 60}), lead)
    second = enrol(
        cadence_with({"channel": Channel.CALL, "priority": 90}, {"channel": Channel.TASK}), lead
    )

    open_call = Touch.objects.get(lead=lead, channel=Channel.CALL, status=Touch.Status.PENDING)
    assert open_call.enrolment == first
    assert open_call.priority >= 90  # the more urgent reason wins
    assert steps_of(second) == [
        (1, Channel.CALL, Touch.Status.SKIPPED),
        (2, Channel.TASK, Touch.Status.PENDING),
    ]


@pytest.mark.django_db
def test_a_reminder_repeats_from_the_step_it_names(clock):
    cadence = cadence_with(
        {"channel": Channel.LETTER, "wait": 6, "wait_unit": WaitUnit.MONTHS, "repeat_from": 1}
    )
    enrolment = enrol(cadence)
    first = Touch.objects.get(enrolment=enrolment)
    assert first.due_at == dt.datetime(2026, 9, 10, 15, 0, tzinfo=dt.UTC)

    clock.move_to(first.due_at)
    touches_complete(touch_ids=[first.pk], outcome="mailed", now=first.due_at)

    again = Touch.objects.get(enrolment=enrolment, attempt=2)
    # 11:00 in New York again, which is before daylight saving time starts in 2027.
    assert again.due_at == dt.datetime(2027, 3, 10, 16, 0, tzinfo=dt.UTC)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE


@pytest.mark.django_db
def test_one_open_enrolment_per_lead_and_cadence():
    cadence = cadence_with({"channel": Channel.TASK})
    lead = LeadFactory()

    assert enrol(cadence, lead) is not None
    assert enrol(cadence, lead) is None
    assert Enrolment.objects.filter(cadence=cadence, lead=lead).count() == 1


@pytest.mark.django_db
def test_a_batch_moves_each_enrolment_on_once_from_its_current_step_only():
    cadence = cadence_with({"channel": Channel.TASK}, {"channel": Channel.TASK})
    retried, finishing = enrol(cadence), enrol(cadence_with({"channel": Channel.TASK}))
    first = Touch.objects.get(enrolment=retried)
    touches_skip(touch_ids=[first.pk], outcome="not now")  # the enrolment moves to step 2
    second = Touch.objects.get(enrolment=retried, step__position=2)
    last = Touch.objects.get(enrolment=finishing)

    touches_complete(touch_ids=[first.pk, second.pk, last.pk], outcome="done", now=NOW)

    retried.refresh_from_db()
    finishing.refresh_from_db()
    assert (retried.status, finishing.status) == (Enrolment.Status.FINISHED,) * 2
    assert Touch.objects.filter(enrolment=retried).count() == 2  # nothing planned twice
