"""Claiming the next call: the queue's order, who may be called when, and claims made at once."""

import datetime as dt
import threading
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from crm.models import Interaction
from crm.services import interaction_record
from followups.calling_hours import calling_hours, holidays_near
from followups.models import Channel, Holiday, Touch
from followups.queue.claiming import claim_head
from followups.queue.services import (
    Outcome,
    call_claim_next,
    calls_release_abandoned,
)
from tests.factories import CampaignFactory
from tests.followups.concurrency import run_at_once
from tests.followups.factories import CallableLeadFactory
from tests.followups.queue.calls import (
    NOW,
    due_call,
    log,
)


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
