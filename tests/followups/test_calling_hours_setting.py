"""The calling hours managers set (followups.models.CallingHours): their defaults,
their rules, and every reader following a change at once in this process."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from followups.cadences.models import CadenceStep, Channel, WaitUnit
from followups.cadences.timing import step_due
from followups.calling_hours import (
    DASH,
    DEFAULT_CALLING_HOURS,
    END_OF_DAY,
    Holidays,
    calling_hours,
    is_callable_at,
    next_business_start,
    weekdays_label,
)
from followups.holidays.services import calling_hours_set_for_demo, calling_hours_update
from followups.models import CallingHours, Touch
from followups.queue.selectors import callable_calls
from followups.queue.services import call_claim_next
from tests.followups.factories import CallableLeadFactory, TouchFactory

pytestmark = pytest.mark.django_db

SATURDAY_NOON_BERLIN = dt.datetime(2026, 3, 7, 11, 0, tzinfo=dt.UTC)
EVERY_DAY = list(range(7))


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_without_a_setting_calls_are_made_monday_to_friday_nine_to_six():
    assert calling_hours() == DEFAULT_CALLING_HOURS
    assert (DEFAULT_CALLING_HOURS.days_label, DEFAULT_CALLING_HOURS.hours_label) == (
        f"Mon{DASH}Fri",
        f"09:00{DASH}18:00",
    )


def test_saved_calling_hours_are_read_at_once():
    assert not is_callable_at(SATURDAY_NOON_BERLIN, "Europe/Berlin", Holidays())

    calling_hours_update(weekdays=EVERY_DAY, start=dt.time(9), end=dt.time(18))

    assert is_callable_at(SATURDAY_NOON_BERLIN, "Europe/Berlin", Holidays())


def test_a_change_made_elsewhere_is_seen_once_the_kept_copy_expires(monkeypatch):
    calling_hours()  # kept by this process
    # Another process's save sends no signal here (nor does a bulk insert).
    CallingHours.objects.bulk_create(
        [CallingHours(pk=CallingHours.ONLY, weekdays="56", start=dt.time(10), end=dt.time(12))]
    )
    assert calling_hours() == DEFAULT_CALLING_HOURS

    monkeypatch.setattr("followups.calling_hours.CALLING_HOURS_KEPT_SECONDS", 0)
    assert calling_hours().weekdays == frozenset({5, 6})


def test_the_queue_follows_the_calling_hours():
    call = TouchFactory(lead=CallableLeadFactory(time_zone="Europe/Berlin"), due_at=utc(2026, 3, 1))
    assert list(callable_calls(SATURDAY_NOON_BERLIN)) == []

    calling_hours_update(weekdays=[5], start=dt.time(12), end=dt.time(13))

    assert list(callable_calls(SATURDAY_NOON_BERLIN)) == [call]
    calling_hours_update(weekdays=[5], start=dt.time(13), end=dt.time(14))
    assert list(callable_calls(SATURDAY_NOON_BERLIN)) == []


def test_a_claim_follows_the_calling_hours(rep_alice):
    lead = CallableLeadFactory(time_zone="Europe/Berlin", owner=rep_alice)
    TouchFactory(lead=lead, assigned_to=rep_alice, due_at=utc(2026, 3, 1))
    with time_machine.travel(SATURDAY_NOON_BERLIN, tick=False):
        assert call_claim_next(user=rep_alice) is None

        calling_hours_update(weekdays=EVERY_DAY, start=dt.time(0), end=END_OF_DAY)

        assert call_claim_next(user=rep_alice).status == Touch.Status.CLAIMED


def test_the_next_business_day_starts_when_the_set_hours_open():
    calling_hours_update(weekdays=[0, 2, 4], start=dt.time(10, 30), end=dt.time(16))
    tuesday = utc(2026, 3, 3, 12, 0)

    # Wednesday 10:30 in New York (EST, UTC-5).
    assert next_business_start(tuesday, "America/New_York", Holidays()) == utc(2026, 3, 4, 15, 30)


def test_a_cadence_call_the_next_business_day_is_due_when_the_set_hours_open():
    calling_hours_update(weekdays=[0, 1, 2, 3, 4], start=dt.time(8), end=dt.time(12))
    step = CadenceStep(channel=Channel.CALL, wait=1, wait_unit=WaitUnit.BUSINESS_DAYS)
    friday_evening = utc(2026, 3, 13, 21, 0)

    due = step_due(
        step, after=friday_evening, enrolled_at=friday_evening, time_zone="America/New_York"
    )

    assert due == utc(2026, 3, 16, 12, 0)  # Monday 08:00 EDT


@pytest.mark.parametrize(
    ("start", "end", "days", "field"),
    [
        (dt.time(18), dt.time(9), EVERY_DAY, "end"),
        (dt.time(9), dt.time(9), EVERY_DAY, "end"),
        (dt.time(9), dt.time(18), [], "weekdays"),
    ],
)
def test_calling_hours_start_before_they_end_on_some_day(start, end, days, field):
    with pytest.raises(ValidationError) as refused:
        calling_hours_update(weekdays=days, start=start, end=end)

    assert field in refused.value.message_dict
    assert not CallingHours.objects.exists()


def test_there_is_one_calling_hours_row():
    calling_hours_update(weekdays=[0], start=dt.time(9), end=dt.time(10))
    calling_hours_update(weekdays=[1], start=dt.time(11), end=dt.time(12))

    assert CallingHours.objects.get().weekdays == "1"


@pytest.mark.parametrize(
    ("days", "label"),
    [
        ([0, 1, 2, 3, 4], f"Mon{DASH}Fri"),
        (EVERY_DAY, "every day"),
        ([0, 2, 4], "Mon, Wed, Fri"),
        ([0, 1, 3, 4, 5], f"Mon, Tue, Thu{DASH}Sat"),
    ],
)
def test_weekdays_read_as_people_write_them(days, label):
    assert weekdays_label(days) == label


def test_the_demo_sets_calling_hours_of_every_day_all_day_once():
    assert calling_hours_set_for_demo()
    demo = calling_hours()
    assert (demo.days_label, demo.hours_label, demo.set_by_demo) == (
        "every day",
        f"00:00{DASH}24:00",
        True,
    )

    calling_hours_update(weekdays=[0], start=dt.time(9), end=dt.time(10))
    assert not calling_hours_set_for_demo()
    assert calling_hours().weekdays == frozenset({0})


def test_seeding_the_demo_touches_sets_the_demos_calling_hours():
    call_command("seed_demo_touches", "--if-empty", stdout=StringIO())

    assert calling_hours().set_by_demo
