"""When a cadence's step is due: its wait after the step before (or after
enrolment), counted in the lead's zone, optionally at a local time of day."""

import calendar
import datetime as dt

from followups.cadences.models import CadenceStep, Channel, WaitUnit
from followups.calling_hours import (
    Holidays,
    business_days_after,
    holidays_around,
    hours,
    zone,
)

BUSINESS_WEEKDAYS = range(5)  # Monday to Friday: what "business days" count
PLAIN_UNITS = {
    WaitUnit.MINUTES: dt.timedelta(minutes=1),
    WaitUnit.HOURS: dt.timedelta(hours=1),
    WaitUnit.DAYS: dt.timedelta(days=1),
}


def step_due(
    step: CadenceStep,
    *,
    after: dt.datetime,
    enrolled_at: dt.datetime,
    time_zone: str,
    country: str = "",
    holidays: Holidays | None = None,
) -> dt.datetime:
    """The step's due time (UTC). `after`: when the step before was done."""
    base = enrolled_at if step.wait_after == CadenceStep.After.ENROLMENT else after
    return wait_from(
        base,
        wait=step.wait,
        unit=step.wait_unit,
        time_zone=time_zone,
        country=country,
        at_local_time=step.at_local_time or _opening(step),
        holidays=holidays,
    )


def _opening(step: CadenceStep) -> dt.time | None:
    """A call "the next business day" is due when calling hours open that day."""
    if step.channel == Channel.CALL and step.wait_unit == WaitUnit.BUSINESS_DAYS and step.wait:
        return hours()[0]
    return None


def wait_from(
    base: dt.datetime,
    *,
    wait: int,
    unit: str,
    time_zone: str,
    country: str = "",
    at_local_time: dt.time | None = None,
    holidays: Holidays | None = None,
) -> dt.datetime:
    """`base` plus the wait; then, with at_local_time, that time of day in the zone
    (the same day when it is still ahead, else the next day; the next business day
    when the wait counts business days)."""
    local_zone = zone(time_zone)
    local = base.astimezone(local_zone)
    if unit == WaitUnit.BUSINESS_DAYS:
        holidays = holidays if holidays is not None else _holidays_for(local.date(), wait)
        day = business_days_after(
            local.date(), wait, open_on=BUSINESS_WEEKDAYS, holidays=holidays, country=country
        )
        local = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=local_zone)
    elif unit == WaitUnit.MONTHS:
        local = _months_later(local, wait)
    else:
        local = (local.astimezone(dt.UTC) + wait * PLAIN_UNITS[unit]).astimezone(local_zone)
    if at_local_time is not None:
        named_a_day = wait > 0 and unit in (WaitUnit.DAYS, WaitUnit.BUSINESS_DAYS, WaitUnit.MONTHS)
        local = _at_time_of_day(local, at_local_time, unit, country, holidays, named_a_day)
    return local.astimezone(dt.UTC)


def _at_time_of_day(local, at, unit, country, holidays, named_a_day) -> dt.datetime:
    """That time on the day a wait in days reached ("2 business days later, at
    09:00"); after a wait in minutes or hours, or none, the next such time."""
    moment = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if moment >= local or named_a_day:
        return moment
    if unit == WaitUnit.BUSINESS_DAYS:
        holidays = holidays if holidays is not None else _holidays_for(local.date(), 1)
        day = business_days_after(
            local.date(), 1, open_on=BUSINESS_WEEKDAYS, holidays=holidays, country=country
        )
    else:
        day = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, moment.timetz().replace(tzinfo=None), tzinfo=local.tzinfo)


def _months_later(local: dt.datetime, months: int) -> dt.datetime:
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _holidays_for(day: dt.date, wait: int) -> Holidays:
    return holidays_around(day + dt.timedelta(days=n) for n in range(wait * 2 + 10))
