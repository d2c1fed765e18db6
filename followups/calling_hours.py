"""When a lead may be called: weekdays and hours in the lead's own time zone,
minus holidays. Managers set the weekdays and hours on the calling hours and
holidays page (followups.models.CallingHours); the rest are pure functions over
zoneinfo, and the database only stores UTC.

The queue asks which time zones are open right now (a few hundred zone
conversions, microseconds each) and filters leads by zone, so the filter
is an index-friendly IN (...) rather than a time conversion per row.
"""

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Q

from crm.contact import valid_time_zones
from followups.models import CallingHours, Holiday

UNKNOWN_ZONE = "UTC"  # leads without a time zone are called by UTC hours
# Holidays near now are read on every claim and change a few times a year: a process
# keeps them this long. Saving or deleting one clears this process's copy at once.
HOLIDAYS_KEPT_SECONDS = 60
# The same for the calling hours: other processes (the scheduler, workers) see a
# change within this time; the one that saved it at once.
CALLING_HOURS_KEPT_SECONDS = 60
END_OF_DAY = dt.time.max  # calling "until 24:00"


@dataclass(frozen=True)
class Holidays:
    """Holiday dates: everywhere, and per country."""

    everywhere: frozenset[dt.date] = frozenset()
    by_country: tuple[tuple[dt.date, str], ...] = ()

    def blocks(self, day: dt.date, country: str = "") -> bool:
        return day in self.everywhere or (day, country) in self.by_country


@dataclass(frozen=True)
class CallingWindow:
    """The days (0 = Monday) and the hours when leads may be called, in each
    lead's own time zone. Hashable: the queue's caches are keyed on it."""

    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    set_by_demo: bool = False

    def is_open(self, local: dt.datetime) -> bool:
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    @property
    def hours_label(self) -> str:
        """From start to end, e.g. 09:00 to 18:00 with a dash; the end of the day reads 24:00."""
        return f"{time_label(self.start)}{DASH}{time_label(self.end)}"

    @property
    def days_label(self) -> str:
        return weekdays_label(self.weekdays)


DEFAULT_CALLING_HOURS = CallingWindow(frozenset(range(5)), dt.time(9), dt.time(18))
# What the demo seed sets, so its queue works on any day at any hour.
DEMO_CALLING_HOURS = CallingWindow(frozenset(range(7)), dt.time(0), END_OF_DAY, set_by_demo=True)
DASH = "\u2013"  # an en dash, between times and days
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def time_label(moment: dt.time) -> str:
    return "24:00" if moment == END_OF_DAY else moment.strftime("%H:%M")


def weekdays_label(days: Iterable[int]) -> str:
    """The days as people write them: runs of three or more joined by a dash
    (Mon to Fri), the others listed (Mon, Wed, Fri), or "every day"."""
    days = sorted(set(days))
    if len(days) == 7:
        return "every day"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) > 2:
            parts.append(f"{DAY_NAMES[run[0]]}{DASH}{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return ", ".join(parts)


_calling_hours_kept: list[tuple[float, CallingWindow]] = []


def calling_hours() -> CallingWindow:
    """The calling hours managers set (DEFAULT_CALLING_HOURS until they do). Read
    on every claim: kept for CALLING_HOURS_KEPT_SECONDS (see above)."""
    if _calling_hours_kept:
        read_at, window = _calling_hours_kept[0]
        if time.monotonic() - read_at < CALLING_HOURS_KEPT_SECONDS:
            return window
    window = calling_hours_stored()
    _calling_hours_kept[:] = [(time.monotonic(), window)]
    return window


def calling_hours_stored() -> CallingWindow:
    """The calling hours from the database, not kept."""
    row = CallingHours.objects.filter(pk=CallingHours.ONLY).first()
    return DEFAULT_CALLING_HOURS if row is None else window_of(row)


def window_of(row: CallingHours) -> CallingWindow:
    return CallingWindow(frozenset(row.weekday_numbers), row.start, row.end, row.set_by_demo)


def forget_calling_hours(**_signal) -> None:
    """The calling hours changed: read them again on the next claim."""
    _calling_hours_kept.clear()


def weekdays() -> frozenset[int]:
    return calling_hours().weekdays


def hours() -> tuple[dt.time, dt.time]:
    window = calling_hours()
    return window.start, window.end


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or UNKNOWN_ZONE)


def place_of(city: str, zone_name: str) -> str:
    """Where a lead is, by the clock they live by: their city ("Madrid"), or the
    zone's ("Los Angeles"), with the zone when the city is not its name
    ("Sevilla (Europe/Madrid)")."""
    zone_name = zone_name or UNKNOWN_ZONE
    zone_city = zone_name.rpartition("/")[2].replace("_", " ")
    city = city or zone_city
    return city if city.casefold() == zone_city.casefold() else f"{city} ({zone_name})"


def is_callable_at(
    moment: dt.datetime,
    zone_name: str,
    holidays: Holidays,
    country="",
    *,
    window: CallingWindow | None = None,
) -> bool:
    """Inside calling hours (`window`, or the ones set) in that zone, and not a holiday there."""
    local = moment.astimezone(zone(zone_name))
    window = window or calling_hours()
    return window.is_open(local) and not holidays.blocks(local.date(), country)


def open_zones_filter(now: dt.datetime, holidays: Holidays, *, field: str = "lead") -> Q:
    """Leads whose local time is inside calling hours now, as a filter on `field`."""
    window = calling_hours()
    open_zones = open_zones_at(now.replace(second=0, microsecond=0), holidays, window)
    allowed = Q(**{f"{field}__time_zone__any": open_zones})
    if is_callable_at(now, UNKNOWN_ZONE, holidays, window=window):
        allowed |= Q(**{f"{field}__time_zone": ""})
    for day, country in holidays.by_country:
        zones_on_that_day = [name for name in open_zones if _local_date(now, name) == day]
        if _local_date(now, UNKNOWN_ZONE) == day:
            zones_on_that_day.append("")  # leads without a zone keep their country's holidays
        allowed &= ~Q(
            **{f"{field}__country": country, f"{field}__time_zone__in": zones_on_that_day}
        )
    return allowed


@lru_cache(maxsize=8)
def open_zones_at(
    minute: dt.datetime, holidays: Holidays, window: CallingWindow
) -> tuple[str, ...]:
    """The zones inside calling hours during this minute: hours start and end on
    whole minutes, so every claim in the same minute shares one computation. The
    calling hours are part of the cache key: a manager may change them any minute."""
    return tuple(
        name for name in _all_zones() if is_callable_at(minute, name, holidays, window=window)
    )


def _local_date(moment: dt.datetime, zone_name: str) -> dt.date:
    return moment.astimezone(zone(zone_name)).date()


@cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(valid_time_zones()))


def next_business_start(
    after: dt.datetime, zone_name: str, holidays: Holidays, *, days: int = 1, country: str = ""
) -> dt.datetime:
    """The start of calling hours `days` business days after `after`, in the lead's
    zone (days=1: the next business day). Returned in UTC."""
    local_zone = zone(zone_name)
    day = after.astimezone(local_zone).date()
    day = business_days_after(day, days, open_on=weekdays(), holidays=holidays, country=country)
    start, _ = hours()
    return dt.datetime.combine(day, start, tzinfo=local_zone).astimezone(dt.UTC)


def business_days_after(
    day: dt.date, days: int, *, open_on: Iterable[int], holidays: Holidays, country: str = ""
) -> dt.date:
    """The date `days` open days after `day`: a weekday in `open_on` (0 = Monday)
    that is not a holiday there."""
    open_on = frozenset(open_on)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() in open_on and not holidays.blocks(day, country):
            counted += 1
    return day


def opens_at(
    moment: dt.datetime,
    zone_name: str,
    *,
    open_on: Iterable[int],
    between: tuple[dt.time, dt.time],
    holidays: Holidays = Holidays(),
    country: str = "",
) -> dt.datetime:
    """`moment` if it falls inside the daily window `between` on an open day in that
    zone, else when the window next opens (UTC). Calling hours and email send
    windows are both such windows."""
    open_on = frozenset(open_on)
    start, end = between
    local_zone = zone(zone_name)
    local = moment.astimezone(local_zone)
    day = local.date()
    open_today = day.weekday() in open_on and not holidays.blocks(day, country)
    if open_today and start <= local.time() < end:
        return moment
    if not (open_today and local.time() < start):
        day = business_days_after(day, 1, open_on=open_on, holidays=holidays, country=country)
    return dt.datetime.combine(day, start, tzinfo=local_zone).astimezone(dt.UTC)


def holidays_around(dates: Iterable[dt.date]) -> Holidays:
    """The holidays on these dates, from the database."""
    rows = Holiday.objects.filter(date__in=list(dates)).values_list("date", "country")
    return Holidays(
        everywhere=frozenset(day for day, country in rows if not country),
        by_country=tuple((day, country) for day, country in rows if country),
    )


_holidays_kept: dict[tuple[dt.date, ...], tuple[float, Holidays]] = {}


def holidays_near(now: dt.datetime) -> Holidays:
    """The holidays from yesterday to tomorrow (UTC dates): every time zone's today
    is among them. Kept for HOLIDAYS_KEPT_SECONDS (see above)."""
    dates = tuple(now.date() + dt.timedelta(days=offset) for offset in (-1, 0, 1))
    kept = _holidays_kept.get(dates)
    if kept is not None and time.monotonic() - kept[0] < HOLIDAYS_KEPT_SECONDS:
        return kept[1]
    holidays = holidays_around(dates)
    _holidays_kept[dates] = (time.monotonic(), holidays)
    return holidays


def forget_holidays(**_signal) -> None:
    """A holiday changed: read them again on the next claim."""
    _holidays_kept.clear()
