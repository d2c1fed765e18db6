"""The call-back presets beside the card's "Call back at" field: in two hours,
tomorrow morning, next Monday. Worked out in the lead's zone, where "morning"
is when calling hours start there (followups.calling_hours, whatever it says
the hours and weekdays are), and described in both zones, the lead's and the
rep's, so the rep can tell the person when we will ring."""

import datetime as dt
from dataclasses import dataclass

from followups.calling_hours import hours, weekdays, zone

IN_2_HOURS, TOMORROW_MORNING, NEXT_MONDAY = "in_2_hours", "tomorrow_morning", "next_monday"
PRESETS = (
    (IN_2_HOURS, "In 2 hours"),
    (TOMORROW_MORNING, "Tomorrow morning"),
    (NEXT_MONDAY, "Next Monday"),
)
MONDAY = 0


@dataclass(frozen=True)
class Preset:
    value: str
    label: str
    at: dt.datetime  # aware
    description: str  # "Wed 09:00 their time — Wed 03:00 yours"


def preset_at(value: str, *, lead_zone: str, now: dt.datetime) -> dt.datetime:
    """When the preset calls back, for a lead in `lead_zone` (UTC)."""
    if value == IN_2_HOURS:
        return now + dt.timedelta(hours=2)
    local_zone = zone(lead_zone)
    today = now.astimezone(local_zone).date()
    if value == TOMORROW_MORNING:
        day = _next_calling_day(today)
    elif value == NEXT_MONDAY:
        day = today + dt.timedelta(days=7 - today.weekday())
    else:
        raise ValueError(f"No call-back preset {value!r}")
    start, _ = hours()
    return dt.datetime.combine(day, start, tzinfo=local_zone).astimezone(dt.UTC)


def _next_calling_day(today: dt.date) -> dt.date:
    """Tomorrow, or the first calling weekday after it (a Friday's "tomorrow
    morning" is Monday's when no one calls at weekends)."""
    open_on = weekdays()
    day = today + dt.timedelta(days=1)
    for _ in range(6):
        if day.weekday() in open_on:
            break
        day += dt.timedelta(days=1)
    return day


def call_back_presets(*, lead_zone: str, rep_zone: dt.tzinfo, now: dt.datetime) -> list[Preset]:
    return [
        Preset(value, label, at, describe(at, lead_zone=lead_zone, rep_zone=rep_zone, now=now))
        for value, label in PRESETS
        for at in [preset_at(value, lead_zone=lead_zone, now=now)]
    ]


def describe(at: dt.datetime, *, lead_zone: str, rep_zone: dt.tzinfo, now: dt.datetime) -> str:
    """ "Tomorrow 09:00 their time — 03:00 yours"; one time when both zones read
    the same clock."""
    theirs = _when(at, zone(lead_zone), now)
    yours = _when(at, rep_zone, now)
    if theirs == yours:
        return f"{theirs}, your time and theirs"
    their_day, _, _ = theirs.rpartition(" ")
    your_day, _, your_time = yours.rpartition(" ")
    return f"{theirs} their time — {your_time if your_day == their_day else yours} yours"


def _when(at: dt.datetime, in_zone: dt.tzinfo, now: dt.datetime) -> str:
    local, today = at.astimezone(in_zone), now.astimezone(in_zone).date()
    days = (local.date() - today).days
    day = {0: "Today", 1: "Tomorrow"}.get(days, f"{local:%a %-d %b}")
    return f"{day} {local:%H:%M}"
