import datetime as dt
import threading
from functools import partial

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.cadences.services import enrolment_create
from followups.calling_hours import calling_hours, holidays_near
from followups.models import Channel, Holiday, Touch
from followups.queue.claiming import claim_head
from followups.queue.services import (
    Outcome,
    call_claim_next,
    call_log_outcome,
    calls_release_abandoned,
)
from tests.factories import CampaignFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.concurrency import run_at_once
from tests.followups.factories import CallableLeadFactory, TouchFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
WEDNESDAY_NINE = dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
THURSDAY_NINE = dt.datetime(2026, 3, 12, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due_call(user, *, minutes_overdue=60, priority=60, **lead_fields) -> Touch:
    lead = CallableLeadFactory(owner=user, **lead_fields)
    return TouchFactory(
        lead=lead,
        assigned_to=user,
        priority=priority,
        due_at=NOW - dt.timedelta(minutes=minutes_overdue),
        talking_points="Recall what they asked at the booth.",
    )


@pytest.fixture
def call(db, clock, rep_alice) -> Touch:
    """The call Alice has just claimed from her queue."""
    due_call(rep_alice)
    return call_claim_next(user=rep_alice)


def log(call: Touch, outcome: str, user=None, **fields) -> Interaction:
    return call_log_outcome(touch=call, user=user or call.assigned_to, outcome=outcome, **fields)


def open_calls(lead: Lead):
    return Touch.objects.filter(lead=lead, channel=Channel.CALL, status__in=Touch.OPEN)


def record_download(lead: Lead) -> None:
    interaction_record(lead=lead, kind=Interaction.Kind.CONTENT_DOWNLOAD, source="test")


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


@pytest.fixture
def cadence_call(db, clock, rep_alice) -> Touch:
    """The call Alice has just claimed: the first step of a cadence of a call then
    an email."""
    cadence = cadence_with({"channel": Channel.CALL}, {"channel": Channel.EMAIL})
    lead = CallableLeadFactory(owner=rep_alice)
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return call_claim_next(user=rep_alice)


def next_step(call: Touch) -> Touch:
    return Touch.objects.get(enrolment=call.enrolment, status=Touch.Status.PENDING)


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


def test_the_queue_gives_the_highest_priority_first_then_the_most_overdue(db, clock, rep_alice):
    low = due_call(rep_alice, priority=50, minutes_overdue=600)
    urgent_recent = due_call(rep_alice, priority=90, minutes_overdue=10)
    urgent_overdue = due_call(rep_alice, priority=90, minutes_overdue=120)

    claimed = []
    while (next_call := call_claim_next(user=rep_alice)) is not None:
        claimed.append(next_call)
        log(next_call, Outcome.MEETING)

    assert claimed == [urgent_overdue, urgent_recent, low]


def test_the_queue_never_offers_a_lead_that_may_not_be_called(db, clock, rep_alice):
    for fields in ({"do_not_call": True}, {"phone_invalid": True}, {"phone": ""}):
        due_call(rep_alice, priority=99, **fields)
    due_call(rep_alice, priority=99, calls_paused_until=NOW + dt.timedelta(days=1))
    callable_one = due_call(rep_alice, priority=10)

    assert call_claim_next(user=rep_alice) == callable_one


def test_the_queue_waits_for_calling_hours_and_due_times(db, clock, rep_alice):
    due_call(rep_alice, time_zone="America/Los_Angeles")  # 08:00 there
    due_call(rep_alice, minutes_overdue=-30)  # not due yet

    assert call_claim_next(user=rep_alice) is None


def test_a_call_becomes_claimable_the_minute_calling_hours_open(db, clock, rep_alice):
    los_angeles = due_call(rep_alice, time_zone="America/Los_Angeles")  # 08:00 there
    assert call_claim_next(user=rep_alice) is None

    clock.shift(dt.timedelta(minutes=59, seconds=59))
    assert call_claim_next(user=rep_alice) is None
    clock.shift(dt.timedelta(seconds=1))  # 09:00 in Los Angeles
    assert call_claim_next(user=rep_alice) == los_angeles


def test_a_holiday_added_counts_from_the_next_claim(db, clock, rep_alice):
    first, _ = due_call(rep_alice, priority=90), due_call(rep_alice)
    assert call_claim_next(user=rep_alice) == first
    log(first, Outcome.MEETING)

    Holiday.objects.create(date=NOW.date(), name="Snow day")

    assert call_claim_next(user=rep_alice) is None


def test_a_claim_brings_the_card_with_it(db, clock, rep_alice, django_assert_num_queries):
    campaign = CampaignFactory(name="Expo 2026")
    lead = CallableLeadFactory(owner=rep_alice, source_campaign=campaign, first_name="Ada")
    download, _ = interaction_record(lead=lead, kind=Interaction.Kind.CONTENT_DOWNLOAD)
    call = Touch.objects.get(lead=lead, channel=Channel.CALL)
    Touch.objects.filter(pk=call.pk).update(due_at=NOW - dt.timedelta(minutes=5))
    holidays_near(NOW), calling_hours()  # read once a minute, not per claim

    # One statement on PostgreSQL; SQLite reads the card after its UPDATE.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        claimed = call_claim_next(user=rep_alice)
        card = (claimed.lead.first_name, claimed.lead.source_campaign, claimed.interaction)

    assert card == ("Ada", campaign, download)
    assert (claimed.pk, claimed.status, claimed.claimed_by, claimed.claimed_at) == (
        call.pk,
        Touch.Status.CLAIMED,
        rep_alice,
        NOW,
    )
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimed_by_id, claimed.claimed_at) == (
        Touch.Status.CLAIMED,
        rep_alice.pk,
        NOW,
    )


def test_a_rep_only_gets_their_own_calls(db, clock, rep_alice, rep_bob):
    bobs = due_call(rep_bob)

    assert call_claim_next(user=rep_alice) is None
    assert call_claim_next(user=rep_bob) == bobs


def test_a_claimed_call_not_yet_logged_comes_back_first(call, rep_alice):
    due_call(rep_alice, priority=99)

    again = call_claim_next(user=rep_alice)

    assert again == call
    assert Touch.objects.filter(status=Touch.Status.CLAIMED).count() == 1


def test_an_abandoned_claim_goes_back_to_the_queue_after_the_timeout(call, clock, settings):
    settings.CALL_CLAIM_TIMEOUT_MINUTES = 20

    clock.shift(dt.timedelta(minutes=19))
    assert calls_release_abandoned() == 0
    clock.shift(dt.timedelta(minutes=2))
    assert calls_release_abandoned() == 1

    call.refresh_from_db()
    assert (call.status, call.claimed_by, call.claimed_at) == (Touch.Status.PENDING, None, None)
    assert call_claim_next(user=call.assigned_to) == call


def claim_at_once(users, claim=call_claim_next) -> list[Touch]:
    claims = run_at_once([partial(claim, user=user, now=NOW) for user in users], model=Touch)
    assert all(isinstance(claim, Touch) for claim in claims), claims
    return claims


def claim_another(*, user, now) -> Touch | None:
    """A claim that does not first hand back the call the user holds."""
    return claim_head(user_id=user.pk, now=now)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_claims_at_once_for_one_rep_get_eight_different_calls(postgres, rep_alice):
    for _ in range(20):
        due_call(rep_alice)

    claimed = claim_at_once([rep_alice] * 8, claim=claim_another)

    assert len({touch.pk for touch in claimed}) == 8
    in_hand = Touch.objects.filter(status=Touch.Status.CLAIMED, claimed_by=rep_alice)
    assert set(in_hand.values_list("pk", flat=True)) == {touch.pk for touch in claimed}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_rep_asking_in_eight_tabs_at_once_gets_only_calls_they_hold(postgres, rep_alice):
    for _ in range(20):
        due_call(rep_alice)

    claimed = claim_at_once([rep_alice] * 8)

    in_hand = Touch.objects.filter(status=Touch.Status.CLAIMED, claimed_by=rep_alice)
    assert {touch.pk for touch in claimed} == set(in_hand.values_list("pk", flat=True))
    assert all(touch.claimed_by == rep_alice for touch in claimed)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reps_claiming_at_once_never_get_each_others_calls(postgres, rep_alice, rep_bob):
    for _ in range(10):
        due_call(rep_alice)
        due_call(rep_bob)

    claimed = claim_at_once([rep_alice, rep_bob] * 4, claim=claim_another)

    assert len({touch.pk for touch in claimed}) == 8
    for user, touch in zip([rep_alice, rep_bob] * 4, claimed, strict=True):
        assert (touch.assigned_to, touch.claimed_by) == (user, user)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reps_working_their_queues_at_once_make_every_call_exactly_once(
    postgres, rep_alice, rep_bob
):
    for _ in range(10):
        due_call(rep_alice)
        due_call(rep_bob)
    logged: list[tuple[int, str]] = []

    def work_queue(user):
        try:
            while (touch := call_claim_next(user=user, now=NOW)) is not None:
                try:
                    log(touch, Outcome.MEETING, user=user)
                    logged.append((touch.pk, user.username))
                except ValidationError:
                    pass  # another session of the same rep logged it first
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work_queue, args=(user,)) for user in [rep_alice, rep_bob] * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    calls = Touch.objects.select_related("assigned_to")
    assert sorted(logged) == sorted((touch.pk, touch.assigned_to.username) for touch in calls)
    assert set(calls.values_list("status", flat=True)) == {Touch.Status.DONE}
    assert Interaction.objects.filter(kind=Interaction.Kind.CALL).count() == 20


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
