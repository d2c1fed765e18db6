"""Call outcomes steer the cadence the call was a step of."""

import datetime as dt

import pytest
import time_machine

from followups.cadences.models import Channel, Enrolment, OutcomePolicy
from followups.cadences.services import enrolment_create
from followups.models import Touch
from followups.queue.services import Outcome, call_claim_next, call_log_outcome
from tests.followups.cadences.factories import cadence_with, call_task_call
from tests.followups.factories import CallableLeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday, 11:00 in New York
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def play():
    return call_task_call()


def enrol_and_claim(cadence, rep):
    lead = CallableLeadFactory(owner=rep)
    enrolment = enrolment_create(cadence=cadence, lead=lead, source="test")
    return enrolment, call_claim_next(user=rep)


def positions(enrolment):
    return list(
        Touch.objects.filter(enrolment=enrolment)
        .order_by("pk")
        .values_list("step__position", "attempt", "status")
    )


def test_no_answer_tries_the_call_again_up_to_the_cap_then_goes_on(
    play, rep_alice, clock, settings
):
    settings.CALL_ATTEMPTS = 2
    enrolment, call = enrol_and_claim(play, rep_alice)

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)
    retry = Touch.objects.get(enrolment=enrolment, attempt=2)
    assert retry.due_at == dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)  # a business day on
    clock.move_to(retry.due_at)
    call_log_outcome(
        touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.NO_ANSWER
    )

    assert positions(enrolment) == [
        (1, 1, Touch.Status.DONE),
        (1, 2, Touch.Status.DONE),
        (2, 1, Touch.Status.PENDING),
    ]


def test_a_meeting_finishes_the_cadence_by_default(play, rep_alice):
    enrolment, call = enrol_and_claim(play, rep_alice)

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.MEETING)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.FINISHED
    assert enrolment.exit_reason == "Call: Meeting booked"


def test_a_cadence_may_jump_or_move_the_lead_on_an_outcome(play, rep_alice):
    voicemail_play = cadence_with({"channel": Channel.EMAIL})
    OutcomePolicy.objects.create(
        cadence=play, outcome=Outcome.VOICEMAIL, action="move", move_to=voicemail_play
    )
    OutcomePolicy.objects.create(cadence=play, outcome=Outcome.INTERESTED, action="jump", jump_to=3)
    moved, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.VOICEMAIL)
    jumped, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.INTERESTED)

    moved.refresh_from_db()
    assert moved.status == Enrolment.Status.EXITED
    assert moved.exit_reason.endswith(f"moved to {voicemail_play.name}")
    assert Enrolment.objects.get(cadence=voicemail_play, lead=moved.lead).status == "active"
    assert positions(jumped)[-1] == (3, 1, Touch.Status.PENDING)


def test_a_call_back_plans_the_same_step_then_with_a_high_priority(play, rep_alice):
    enrolment, call = enrol_and_claim(play, rep_alice)
    then = NOW + dt.timedelta(days=3)

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.CALL_BACK, call_back_at=then)

    again = Touch.objects.get(enrolment=enrolment, attempt=2)
    assert (again.step.position, again.due_at, again.assigned_to) == (1, then, rep_alice)
    assert again.priority >= 80
