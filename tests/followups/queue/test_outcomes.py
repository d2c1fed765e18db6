"""Logging a call's outcome: what each outcome records and plans next."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from crm.models import Interaction, Lead
from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from followups.queue.services import (
    Outcome,
    call_claim_next,
    call_log_outcome,
)
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory
from tests.followups.queue.calls import (
    NOW,
    log,
    next_step,
    open_calls,
    record_download,
)


@pytest.mark.parametrize("outcome", Outcome.values)
def test_every_outcome_records_the_call_on_the_timeline_and_closes_the_touch(
    call, rep_alice, outcome
):
    log(call, outcome, notes="Spoke to the assistant", call_back_at=NOW + dt.timedelta(days=1))

    recorded = Interaction.objects.get(lead=call.lead)
    assert (recorded.kind, recorded.user, recorded.outcome, recorded.notes) == (
        Interaction.Kind.CALL,
        rep_alice,
        outcome,  # the code; people read the label
        "Spoke to the assistant",
    )
    assert recorded.outcome_label == Outcome(outcome).label
    call.refresh_from_db()
    assert (call.status, call.outcome, call.completed_at) == (Touch.Status.DONE, outcome, NOW)


def test_interested_goes_on_to_the_cadences_next_step(cadence_call):
    log(cadence_call, Outcome.INTERESTED)

    following = next_step(cadence_call)
    assert (following.channel, following.step.position) == (Channel.EMAIL, 2)


def test_a_call_outside_any_cadence_plans_nothing_after_it(call):
    log(call, Outcome.INTERESTED)

    assert not Touch.objects.filter(lead=call.lead, status__in=Touch.OPEN).exists()


def test_not_interested_pauses_calls_for_ninety_days(cadence_call, clock):
    log(cadence_call, Outcome.NOT_INTERESTED)

    lead = Lead.objects.get(pk=cadence_call.lead_id)
    assert lead.calls_paused_until == NOW + dt.timedelta(days=90)
    assert not open_calls(lead).exists()
    cadence_call.enrolment.refresh_from_db()
    assert cadence_call.enrolment.status == "finished"  # the default for not interested
    later_play = cadence_with({"channel": Channel.CALL})
    enrolment_create(cadence=later_play, lead=lead, source="test")
    assert not open_calls(lead).exists()  # its call is skipped: calls are paused

    clock.shift(dt.timedelta(days=91))
    enrolment_create(cadence=cadence_with({"channel": Channel.CALL}), lead=lead, source="test")
    assert open_calls(lead).count() == 1


def test_a_booked_meeting_stops_the_calls(call):
    log(call, Outcome.MEETING)

    assert not open_calls(call.lead).exists()
    assert not Touch.objects.filter(lead=call.lead, status__in=Touch.OPEN).exists()


def test_a_voicemail_goes_on_to_the_next_step_by_default(cadence_call):
    log(cadence_call, Outcome.VOICEMAIL)

    assert next_step(cadence_call).channel == Channel.EMAIL


def test_no_answer_is_tried_three_times_on_business_days_then_the_cadence_goes_on(
    cadence_call, clock, rep_alice
):
    log(cadence_call, Outcome.NO_ANSWER)
    second = open_calls(cadence_call.lead).get()
    assert (second.due_at, second.attempt, second.step) == (
        NOW + dt.timedelta(days=1),  # a business day later, at the same local time
        2,
        cadence_call.step,
    )

    clock.move_to(second.due_at)
    assert call_claim_next(user=rep_alice) == second
    log(second, Outcome.NO_ANSWER)
    third = open_calls(cadence_call.lead).get()
    assert third.attempt == 3

    clock.move_to(third.due_at)
    assert call_claim_next(user=rep_alice) == third
    log(third, Outcome.NO_ANSWER)

    assert not open_calls(cadence_call.lead).exists()
    assert next_step(cadence_call).channel == Channel.EMAIL


def test_a_wrong_number_marks_the_phone_invalid(call):
    log(call, Outcome.WRONG_NUMBER)

    lead = Lead.objects.get(pk=call.lead_id)
    assert lead.phone_invalid
    record_download(lead)
    assert not open_calls(lead).exists()


def test_do_not_call_means_no_more_calls_ever(call, clock, rep_alice):
    log(call, Outcome.DO_NOT_CALL)

    lead = Lead.objects.get(pk=call.lead_id)
    assert lead.do_not_call
    clock.shift(dt.timedelta(days=400))
    record_download(lead)
    assert not open_calls(lead).exists()
    assert call_claim_next(user=rep_alice) is None


def test_call_back_plans_a_call_at_that_time_for_the_same_rep(call, rep_alice):
    friday_two_pm = dt.datetime(2026, 3, 13, 18, 0, tzinfo=dt.UTC)

    log(call, Outcome.CALL_BACK, call_back_at=friday_two_pm)

    call_back = open_calls(call.lead).get()
    assert (call_back.due_at, call_back.assigned_to, call_back.reason) == (
        friday_two_pm,
        rep_alice,
        "Asked us to call back then",
    )
    assert call_back.priority == 80


def test_call_back_without_a_time_is_refused_and_records_nothing(call):
    with pytest.raises(ValidationError) as refused:
        log(call, Outcome.CALL_BACK)

    assert "call_back_at" in refused.value.message_dict
    call.refresh_from_db()
    assert call.status == Touch.Status.CLAIMED
    assert not Interaction.objects.exists()


def test_a_call_cannot_be_logged_twice(cadence_call):
    log(cadence_call, Outcome.INTERESTED)

    with pytest.raises(ValidationError):
        log(cadence_call, Outcome.MEETING)

    assert Interaction.objects.filter(kind=Interaction.Kind.CALL).count() == 1
    assert next_step(cadence_call).channel == Channel.EMAIL  # planned once


def test_a_booked_meeting_qualifies_the_lead(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice, stage=Lead.Stage.NEW)
    touch = TouchFactory(lead=lead, assigned_to=rep_alice)

    call_log_outcome(touch=touch, user=rep_alice, outcome="meeting")

    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.QUALIFIED


def test_an_unknown_outcome_is_a_validation_error(rep_alice):
    touch = TouchFactory(lead=CallableLeadFactory(owner=rep_alice), assigned_to=rep_alice)

    with pytest.raises(ValidationError):
        call_log_outcome(touch=touch, user=rep_alice, outcome="teleported")
