"""The lead's score raises the priority of its open call: + min(score // 10, 30)."""

import datetime as dt
import threading
import time
from functools import partial

import pytest
import time_machine
from django.db import connection, connections, transaction

from crm import periodic
from crm.models import Interaction, Lead
from crm.scoring.services import scores_update
from crm.services import interaction_record
from followups.models import Cadence, Channel, Touch
from followups.priorities import score_bonus
from followups.queue.services import call_claim_next
from tests.factories import InteractionFactory
from tests.followups.concurrency import run_at_once
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
DAY = dt.timedelta(days=1)
Kind = Interaction.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_call(lead: Lead, *, priority: int = 50) -> Touch:
    return TouchFactory(
        lead=lead, assigned_to=lead.owner, priority=priority, due_at=NOW - dt.timedelta(hours=1)
    )


def priority_of(touch: Touch) -> int:
    touch.refresh_from_db()
    return touch.priority


def happened(lead: Lead, kind: str, days_ago: float = 0) -> None:
    InteractionFactory(lead=lead, kind=kind, occurred_at=NOW - days_ago * DAY)


@pytest.mark.parametrize(
    ("score", "bonus"),
    [(-10, 0), (0, 0), (9, 0), (10, 1), (63, 6), (299, 29), (300, 30), (900, 30)],
)
def test_the_bonus_is_a_tenth_of_the_score_up_to_30(score, bonus):
    assert score_bonus(score) == bonus


def test_a_rising_score_raises_the_open_call(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    call = open_call(lead)
    happened(lead, Kind.MEETING)  # 40
    happened(lead, Kind.BOOTH_VISIT)  # 20

    scores_update(lead_ids=[lead.pk], now=NOW)

    assert priority_of(call) == 50 + 6


def test_a_decaying_score_lowers_it_again(clock, rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    call = open_call(lead)
    happened(lead, Kind.PURCHASE)  # 50, halving every 180 days
    scores_update(lead_ids=[lead.pk], now=NOW)
    assert priority_of(call) == 55

    later = NOW + 360 * DAY  # 12.5 points
    clock.move_to(later)
    periodic.enqueue_due(later)

    assert priority_of(call) == 51


def test_only_open_calls_move(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    done = open_call(lead)
    Touch.objects.filter(pk=done.pk).update(status=Touch.Status.DONE)
    email = TouchFactory(lead=lead, channel=Channel.EMAIL, priority=50, key="email")
    happened(lead, Kind.MEETING)

    scores_update(lead_ids=[lead.pk], now=NOW)

    assert (priority_of(done), priority_of(email)) == (50, 50)


def test_a_call_planned_by_a_cadence_carries_the_leads_bonus(rep_alice):
    Cadence.objects.exclude(installed="content_download").update(is_active=False)
    call_step = Cadence.objects.get(installed="content_download").steps.get(position=1)
    lead = CallableLeadFactory(owner=rep_alice)
    happened(lead, Kind.MEETING, days_ago=90)  # 40 -> 20 now
    scores_update(lead_ids=[lead.pk], now=NOW)

    interaction_record(lead=lead, kind=Kind.CONTENT_DOWNLOAD, source="test")  # + 10

    call = Touch.objects.get(lead=lead, channel=Channel.CALL)
    assert priority_of(call) == call_step.priority + score_bonus(30)


def test_the_higher_score_is_called_first(rep_alice):
    keen, cool = (CallableLeadFactory(owner=rep_alice) for _ in range(2))
    cool_call = open_call(cool)
    TouchFactory(
        lead=keen, assigned_to=rep_alice, priority=50, due_at=NOW - dt.timedelta(minutes=10)
    )
    happened(keen, Kind.PURCHASE)
    scores_update(lead_ids=[keen.pk, cool.pk], now=NOW)

    first = call_claim_next(user=rep_alice)

    assert first.lead == keen  # though the cool lead's call has waited longer
    assert first != cool_call


# On PostgreSQL, with transactions that truly overlap


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_rescorings_at_once_add_the_bonus_once(postgres, rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    call = open_call(lead)
    happened(lead, Kind.PURCHASE)  # 50: bonus 5

    results = run_at_once(
        [partial(scores_update, lead_ids=[lead.pk], now=NOW) for _ in range(2)], model=Lead
    )

    assert not [result for result in results if isinstance(result, Exception)]
    assert priority_of(call) == 55
    lead.refresh_from_db()
    assert lead.score == 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rescoring_waits_for_a_call_being_logged_rather_than_deadlocking(postgres, rep_alice):
    lead = CallableLeadFactory(owner=rep_alice)
    call = open_call(lead)
    happened(lead, Kind.MEETING)
    outcome = {}

    def rescore():
        try:
            outcome["changes"] = scores_update(lead_ids=[lead.pk], now=NOW)
        except Exception as exc:  # handed back to the test
            outcome["error"] = exc
        finally:
            connection.close()

    rescoring = threading.Thread(target=rescore)
    with transaction.atomic():  # as logging a call does: its touch first, then its lead
        Touch.objects.select_for_update().get(pk=call.pk)
        rescoring.start()
        wait_until_one_waits_for_a_lock()
        Lead.objects.filter(pk=lead.pk).update(stage=Lead.Stage.WORKING)
    rescoring.join(timeout=30)

    assert "error" not in outcome, outcome
    assert priority_of(call) == 54


def wait_until_one_waits_for_a_lock() -> None:
    deadline = time.monotonic() + 10
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the rescoring should be waiting for the call's lock by now")
