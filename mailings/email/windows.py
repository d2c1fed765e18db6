"""When a marketing email may go out: the lead's send window and the frequency cap.

Both are checked at send time, when the facts are fresh: a touch that may not
go yet is held (back to pending, due when it becomes eligible, with the reason
on it), never dropped.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings

from followups.calling_hours import (
    Holidays,
    business_days_after,
    holidays_around,
    opens_at,
    zone,
)
from followups.models import Channel, Touch

MARKETING_CHANNELS = (Channel.EMAIL, Channel.LETTER)
BUSINESS_WEEKDAYS = range(5)  # Monday to Friday: what a step's "business days" count


def send_hours() -> tuple[dt.time, dt.time]:
    start, end = settings.MAIL_SEND_HOURS
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def window_opens(moment: dt.datetime, zone_name: str) -> dt.datetime:
    """`moment` if it is inside the send window in that zone, else when it next opens."""
    return opens_at(moment, zone_name, open_on=settings.MAIL_SEND_WEEKDAYS, between=send_hours())


def add_business_days(
    moment: dt.datetime, zone_name: str, days: int, country="", holidays: Holidays | None = None
) -> dt.datetime:
    """The same local time `days` business days later (weekends and holidays skipped).
    Pass the holidays when asking many times (they are read from the database)."""
    local_zone = zone(zone_name)
    local = moment.astimezone(local_zone)
    if holidays is None:
        dates = (local.date() + dt.timedelta(days=n) for n in range(days * 2 + 10))
        holidays = holidays_around(dates)
    day = business_days_after(
        local.date(), days, open_on=BUSINESS_WEEKDAYS, holidays=holidays, country=country
    )
    return dt.datetime.combine(day, local.time(), tzinfo=local_zone).astimezone(dt.UTC)


class FrequencyCap:
    """Marketing touches (emails and letters) done per lead in the cap's period,
    counted once for a batch and kept up to date as the batch sends."""

    def __init__(self, lead_ids: Iterable[int], now: dt.datetime):
        self.now = now
        self.period = dt.timedelta(days=settings.MAIL_CAP_DAYS)
        self.done: dict[int, list[dt.datetime]] = defaultdict(list)
        recent = Touch.objects.filter(
            lead_id__in=set(lead_ids),
            channel__in=MARKETING_CHANNELS,
            status=Touch.Status.DONE,
            completed_at__gt=now - self.period,
        ).values_list("lead_id", "completed_at")
        for lead_id, completed_at in recent:
            self.done[lead_id].append(completed_at)

    def frees_at(self, lead_id: int) -> dt.datetime | None:
        """None when the lead may get another touch now, else when it may."""
        done = sorted(self.done[lead_id])
        if len(done) < settings.MAIL_CAP_TOUCHES:
            return None
        # The oldest touch that keeps the lead at the cap leaves the period then.
        return done[-settings.MAIL_CAP_TOUCHES] + self.period

    def count(self, lead_id: int) -> None:
        self.done[lead_id].append(self.now)


def hold_until(lead, at: dt.datetime, cap: FrequencyCap) -> tuple[dt.datetime, str] | None:
    """When an email due `at` may go, and why it waits, or None when it may go then:
    the frequency cap first, then the lead's send window."""
    frees = cap.frees_at(lead.pk)
    if frees is not None and frees > at:
        why = f"{settings.MAIL_CAP_TOUCHES} marketing touches in {settings.MAIL_CAP_DAYS} days"
        return window_opens(frees, lead.time_zone), why
    opens = window_opens(at, lead.time_zone)
    if opens > at:
        return opens, "outside the lead's send window"
    return None


def local_description(moment: dt.datetime, zone_name: str) -> str:
    local = moment.astimezone(zone(zone_name))
    return f"{local:%a %d %b %H:%M} ({zone_name or 'UTC'})"
