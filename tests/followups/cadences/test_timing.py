import datetime as dt

import pytest

from followups.cadences.models import CadenceStep, Channel, WaitUnit
from followups.cadences.timing import step_due, wait_from
from followups.calling_hours import Holidays

FRIDAY_5PM_NY = dt.datetime(2026, 3, 13, 21, 0, tzinfo=dt.UTC)  # 17:00 EDT
NONE = Holidays()
# The calling hours are read from the database (none stored: the defaults).
pytestmark = pytest.mark.django_db


def due(step: CadenceStep, after=FRIDAY_5PM_NY, zone="America/New_York", holidays=NONE):
    return step_due(
        step, after=after, enrolled_at=after, time_zone=zone, country="US", holidays=holidays
    )


def test_a_call_the_next_business_day_is_due_when_calling_hours_open_there():
    step = CadenceStep(channel=Channel.CALL, wait=1, wait_unit=WaitUnit.BUSINESS_DAYS)

    # Friday evening in New York: Monday 09:00 there.
    assert due(step) == dt.datetime(2026, 3, 16, 13, 0, tzinfo=dt.UTC)


def test_business_days_skip_the_holidays_of_the_leads_country():
    step = CadenceStep(channel=Channel.EMAIL, wait=1, wait_unit=WaitUnit.BUSINESS_DAYS)
    monday = dt.date(2026, 3, 16)

    moved = due(step, holidays=Holidays(by_country=((monday, "US"),)))

    assert moved == dt.datetime(2026, 3, 17, 21, 0, tzinfo=dt.UTC)  # Tuesday, same local time


def test_a_local_time_of_day_is_the_leads_not_ours():
    step = CadenceStep(
        channel=Channel.EMAIL, wait=2, wait_unit=WaitUnit.DAYS, at_local_time=dt.time(8, 30)
    )

    # Friday 22:00 in Madrid, two days on: Sunday, at 08:30 there.
    assert due(step, zone="Europe/Madrid") == dt.datetime(2026, 3, 15, 7, 30, tzinfo=dt.UTC)


def test_minutes_count_from_the_step_before_or_from_enrolment():
    step = CadenceStep(channel=Channel.EMAIL, wait=30, wait_unit=WaitUnit.MINUTES)
    enrolled = FRIDAY_5PM_NY - dt.timedelta(days=3)

    after_previous = step_due(
        step, after=FRIDAY_5PM_NY, enrolled_at=enrolled, time_zone="UTC", holidays=NONE
    )
    step.wait_after = CadenceStep.After.ENROLMENT
    after_enrolment = step_due(
        step, after=FRIDAY_5PM_NY, enrolled_at=enrolled, time_zone="UTC", holidays=NONE
    )

    assert after_previous == FRIDAY_5PM_NY + dt.timedelta(minutes=30)
    assert after_enrolment == enrolled + dt.timedelta(minutes=30)


def test_months_keep_the_day_or_the_months_last():
    end_of_january = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)

    later = wait_from(end_of_january, wait=1, unit=WaitUnit.MONTHS, time_zone="UTC")

    assert later == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)


def test_no_wait_at_a_time_of_day_that_has_passed_is_the_next_day():
    evening = dt.datetime(2026, 3, 13, 20, 0, tzinfo=dt.UTC)

    due_at = wait_from(
        evening, wait=0, unit=WaitUnit.DAYS, time_zone="UTC", at_local_time=dt.time(9, 0)
    )

    assert due_at == dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)
