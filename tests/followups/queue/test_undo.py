"""Undoing a call's outcome puts back everything it changed: the interaction, the
call's touch, the cadence's progress and the lead's fields; only by its rep,
for a few seconds, once, and not when what it planned was worked since.
Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Interaction, Lead
from followups.cadences.models import Channel, Enrolment, OutcomePolicy
from followups.cadences.services import enrolment_create
from followups.models import OutcomeUndo, Touch
from followups.queue.services import Outcome, call_claim_next, call_log_outcome, call_outcome_undo
from followups.queue.undo import outcome_undo
from followups.services import touch_close_for_rep
from tests.followups.cadences.factories import TriggerFactory, cadence_with, call_task_call
from tests.followups.factories import CallableLeadFactory, TouchFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday, 11:00 in New York
pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def play():
    return call_task_call()


def enrol_and_claim(cadence, rep, **lead_fields):
    lead = CallableLeadFactory(owner=rep, **lead_fields)
    enrolment = enrolment_create(cadence=cadence, lead=lead, source="test")
    return enrolment, call_claim_next(user=rep)


def log_and_undo(call, rep, outcome, **fields):
    call_log_outcome(touch=call, user=rep, outcome=outcome, **fields)
    return outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep)


def touches_of(lead):
    return list(
        Touch.objects.filter(lead=lead).order_by("pk").values_list("pk", "status", "outcome")
    )


def state_of(enrolment):
    enrolment.refresh_from_db()
    return (enrolment.status, enrolment.step_id, enrolment.attempt, enrolment.exit_reason)


def lead_fields(lead):
    lead.refresh_from_db()
    return (
        lead.stage,
        lead.do_not_call,
        lead.phone_invalid,
        lead.calls_paused_until,
        lead.last_activity_at,
    )


@pytest.mark.parametrize("outcome", [o for o in Outcome.values if o != Outcome.CALL_BACK])
def test_undo_puts_back_everything_an_outcome_changed(play, rep_alice, outcome):
    enrolment, call = enrol_and_claim(play, rep_alice, last_activity_at=NOW - dt.timedelta(days=2))
    before = (touches_of(call.lead), state_of(enrolment), lead_fields(call.lead))
    call_log_outcome(touch=call, user=rep_alice, outcome=outcome)
    assert (touches_of(call.lead), state_of(enrolment), lead_fields(call.lead)) != before

    undone = outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)

    assert undone.outcome == outcome
    assert not Interaction.objects.filter(lead=call.lead, kind=Interaction.Kind.CALL).exists()
    assert (touches_of(call.lead), state_of(enrolment), lead_fields(call.lead)) == before
    call.refresh_from_db()
    assert (call.status, call.claimed_by, call.completed_at) == (
        Touch.Status.CLAIMED,
        rep_alice,
        None,
    )


def test_after_undo_the_call_can_be_logged_again_and_plans_the_same_next_step(play, rep_alice):
    enrolment, call = enrol_and_claim(play, rep_alice)
    log_and_undo(call, rep_alice, Outcome.NO_ANSWER)

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)

    retry = Touch.objects.get(enrolment=enrolment, status=Touch.Status.PENDING)
    assert (retry.step.position, retry.attempt) == (1, 2)  # not a third try: the undone one is gone


def test_undo_takes_back_a_call_back_outside_any_cadence(rep_alice):
    call = TouchFactory(lead=CallableLeadFactory(owner=rep_alice), assigned_to=rep_alice)
    call = call_claim_next(user=rep_alice)

    log_and_undo(call, rep_alice, Outcome.CALL_BACK, call_back_at=NOW + dt.timedelta(hours=2))

    assert touches_of(call.lead) == [(call.pk, Touch.Status.CLAIMED, "")]


def test_undo_takes_back_a_move_to_another_cadence(play, rep_alice):
    other = cadence_with({"channel": Channel.EMAIL, "wait": 2, "wait_unit": "days"})
    OutcomePolicy.objects.create(
        cadence=play, outcome=Outcome.VOICEMAIL, action="move", move_to=other
    )
    enrolment, call = enrol_and_claim(play, rep_alice)
    before = state_of(enrolment)

    log_and_undo(call, rep_alice, Outcome.VOICEMAIL)

    assert state_of(enrolment) == before
    assert not Enrolment.objects.filter(cadence=other).exists()


def test_undo_takes_back_what_a_trigger_on_the_call_did(play, rep_alice, clock):
    positive = cadence_with({"channel": Channel.TASK, "wait": 1, "wait_unit": "days"})
    TriggerFactory(cadence=positive, kind="call", sentiment="positive")
    exiting = cadence_with({"channel": Channel.TASK, "wait": 5, "wait_unit": "days"})
    exiting.exit_on = ["do_not_call"]
    exiting.save()
    _, call = enrol_and_claim(play, rep_alice)
    in_exiting = enrolment_create(cadence=exiting, lead=call.lead, source="test")
    clock.shift(dt.timedelta(seconds=1))  # exits end the enrolments begun before the call
    before = (touches_of(call.lead), state_of(in_exiting))

    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.INTERESTED)
    assert Enrolment.objects.filter(cadence=positive).exists()
    outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.DO_NOT_CALL)
    assert state_of(in_exiting)[0] == Enrolment.Status.EXITED
    outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)

    assert not Enrolment.objects.filter(cadence=positive).exists()
    assert (touches_of(call.lead), state_of(in_exiting)) == before


def test_only_the_rep_who_logged_it_may_undo_it(play, rep_alice, rep_bob):
    _, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)

    with pytest.raises(ValidationError, match="no outcome of yours"):
        outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_bob)


def test_undo_is_refused_after_its_grace(play, rep_alice, clock):
    _, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)
    clock.shift(dt.timedelta(seconds=16))

    with pytest.raises(ValidationError, match="Too late to undo"):
        outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)
    assert Interaction.objects.filter(lead=call.lead, kind="call").exists()


def test_undo_a_few_seconds_late_is_still_taken(play, rep_alice, clock):
    _, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)
    clock.shift(dt.timedelta(seconds=12))  # shown for 10 s; the click took its time

    outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)


def test_undo_is_refused_when_the_next_step_was_worked_since(rep_alice):
    task_play = cadence_with({"channel": Channel.CALL}, {"channel": Channel.TASK})
    enrolment, call = enrol_and_claim(task_play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.INTERESTED)
    task = Touch.objects.get(enrolment=enrolment, channel=Channel.TASK)
    touch_close_for_rep(touch_id=task.pk, rep=rep_alice, done=True, outcome="done")

    with pytest.raises(ValidationError, match="the task it planned was done"):
        outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)
    task.refresh_from_db()
    assert task.status == Touch.Status.DONE


def test_undoing_twice_does_it_once(play, rep_alice):
    enrolment, call = enrol_and_claim(play, rep_alice)
    first = log_and_undo(call, rep_alice, Outcome.NO_ANSWER)
    after_first = (touches_of(call.lead), state_of(enrolment))

    second = outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)

    assert (first.again, second.again) == (False, True)
    assert (touches_of(call.lead), state_of(enrolment)) == after_first


def test_undo_puts_the_call_back_on_the_card_and_the_next_back_in_the_queue(play, rep_alice):
    _, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)
    _, next_call = enrol_and_claim(play, rep_alice)

    call_outcome_undo(pk=OutcomeUndo.objects.get(touch=call).pk, user=rep_alice)

    next_call.refresh_from_db()
    assert (next_call.status, next_call.claimed_by) == (Touch.Status.PENDING, None)
    assert call_claim_next(user=rep_alice) == call


# The card


def test_the_next_card_offers_undo_and_undo_brings_the_call_back(client, rep_alice, play):
    client.force_login(rep_alice)
    enrolment, _ = enrol_and_claim(play, rep_alice, first_name="Laura", last_name="Pérez")
    enrol_and_claim(play, rep_alice, first_name="Next", last_name="One")
    call = Touch.objects.get(enrolment=enrolment)
    client.get(reverse("queue:next"))

    logged = client.post(reverse("queue:log", args=[call.pk]), {"outcome": "no_answer"}, **HTMX)

    assert "Logged “No answer” for Laura Pérez — " in logged.content.decode()
    undo = OutcomeUndo.objects.get(touch=call)
    assert reverse("queue:undo", args=[undo.pk]) in logged.content.decode()
    undone = client.post(reverse("queue:undo", args=[undo.pk]), **HTMX)
    assert undone.status_code == 200
    assert undone.context["touch"] == call
    assert "Undone: “No answer” for Laura Pérez is no longer logged." in undone.content.decode()


def test_the_undo_is_no_longer_offered_after_ten_seconds(client, rep_alice, play, clock):
    client.force_login(rep_alice)
    _, call = enrol_and_claim(play, rep_alice)
    client.post(reverse("queue:log", args=[call.pk]), {"outcome": "no_answer"})
    clock.shift(dt.timedelta(seconds=11))

    assert client.get(reverse("queue:next")).context["undo"] is None


def test_a_refused_undo_says_why(client, rep_alice, play, clock):
    client.force_login(rep_alice)
    _, call = enrol_and_claim(play, rep_alice)
    client.post(reverse("queue:log", args=[call.pk]), {"outcome": "no_answer"})
    clock.shift(dt.timedelta(seconds=20))

    response = client.post(reverse("queue:undo", args=[OutcomeUndo.objects.get().pk]))

    assert response.status_code == 409
    assert "Too late to undo" in response.content.decode()


def test_another_rep_cannot_undo_by_guessing_the_id(client, rep_alice, rep_bob, play):
    _, call = enrol_and_claim(play, rep_alice)
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.DO_NOT_CALL)
    client.force_login(rep_bob)

    response = client.post(reverse("queue:undo", args=[OutcomeUndo.objects.get().pk]))

    assert response.status_code == 409
    assert Lead.objects.get(pk=call.lead_id).do_not_call is True
