"""Reads for the call queue, whether a lead is inside calling hours now, and a
lead's upcoming touches."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from crm.models import Lead, User
from followups.calling_hours import (
    CallingWindow,
    Holidays,
    calling_hours,
    holidays_near,
    open_zones_filter,
    place_of,
    zone,
)
from followups.models import Channel, Touch

QUEUE_ORDER = ("-priority", "due_at", "id")
# What the call card shows (followups.claiming reads the same in its statement).
CARD_RELATED = ("lead", "lead__source_campaign", "interaction", "step__cadence")


def callable_calls(
    now: dt.datetime | None = None,
    *,
    holidays: Holidays | None = None,
    now_in_sql: dt.datetime | None = None,
) -> QuerySet[Touch]:
    """Pending calls that may be made now: due, to a lead that may be called, whose
    local time is inside calling hours and not a holiday.

    now_in_sql is what the SQL compares due dates and pauses to, when that is not
    `now` itself: a placeholder in a statement compiled once and run all minute."""
    now = now or timezone.now()
    holidays = holidays_near(now) if holidays is None else holidays
    at = now if now_in_sql is None else now_in_sql
    return (
        Touch.objects.filter(channel=Channel.CALL, status=Touch.Status.PENDING, due_at__lte=at)
        .filter(lead__do_not_call=False, lead__phone_invalid=False)
        .exclude(lead__phone="")
        .filter(Q(lead__calls_paused_until__isnull=True) | Q(lead__calls_paused_until__lte=at))
        .filter(open_zones_filter(now, holidays))
    )


def call_queue(user: User | int, now: dt.datetime | None = None, **options) -> QuerySet[Touch]:
    """The calls this user (or user id) should make now, the next one first.
    Options as for callable_calls."""
    return callable_calls(now, **options).filter(assigned_to=user).order_by(*QUEUE_ORDER)


def claimed_calls(user: User) -> QuerySet[Touch]:
    """The calls this user has claimed and not logged yet."""
    return Touch.objects.filter(
        channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).select_related(*CARD_RELATED)


def current_call(user: User) -> Touch | None:
    """The call this user has claimed and not logged yet (the oldest claim, if several)."""
    return claimed_calls(user).order_by("claimed_at", "id").first()


def upcoming_touches(lead: Lead, *, limit: int = 10) -> list[Touch]:
    return list(
        lead.touches.filter(status__in=Touch.OPEN)
        .select_related("assigned_to")
        .order_by("due_at")[:limit]
    )


def upcoming_items(lead: Lead) -> list[dict]:
    """The lead's open touches, for its timeline."""
    return [
        {
            "when": touch.due_at,
            "what": f"{touch.get_channel_display()}"
            + (" (claimed)" if touch.status == Touch.Status.CLAIMED else ""),
            "detail": touch.reason + (f" ({touch.held_reason})" if touch.held_reason else ""),
            "who": touch.assigned_to.display_name if touch.assigned_to else "",
        }
        for touch in upcoming_touches(lead)
    ]


def lead_next_touch_due() -> Subquery:
    """The due time of the outer lead's earliest open touch (pending or claimed),
    or NULL: the lead list's "next touch" (crm.timeline.next_touch_due)."""
    open_touches = Touch.objects.filter(lead=OuterRef("pk"), status__in=Touch.OPEN)
    return Subquery(open_touches.order_by("due_at").values("due_at")[:1])


@dataclass(frozen=True)
class OutsideHours:
    """It is outside calling hours where a lead is: what a rep opening them is told."""

    local: dt.datetime  # now, on the lead's clock
    place: str
    window: CallingWindow
    holiday: bool

    def __str__(self) -> str:
        if self.holiday:
            return (
                f"It is {self.local:%H:%M} in {self.place}, a holiday there: "
                "no calls are offered today."
            )
        if self.local.weekday() not in self.window.weekdays:
            hours = f"{self.window.days_label}, {self.window.hours_label}"
            return f"It is {self.local:%a %H:%M} in {self.place}, outside calling hours ({hours})."
        hours = self.window.hours_label
        return f"It is {self.local:%H:%M} in {self.place}, outside calling hours ({hours})."


def outside_calling_hours(lead: Lead, now: dt.datetime | None = None) -> OutsideHours | None:
    """Whether it is outside calling hours where the lead is, now: None inside
    them, and for a lead who may not be called anyway. Reads nothing most of the
    time (the hours and holidays are kept a minute)."""
    if not lead.can_call:
        return None
    now = now or timezone.now()
    window = calling_hours()
    local = now.astimezone(zone(lead.time_zone))
    inside = window.is_open(local)
    holiday = holidays_near(now).blocks(local.date(), lead.country)
    if inside and not holiday:
        return None
    return OutsideHours(local, place_of(lead.city, lead.time_zone), window, holiday=inside)


def lead_calling_hours_section(lead: Lead, _user: User) -> dict:
    """The lead page's warning beside the phone (registered with crm.sections)."""
    return {"outside_hours": outside_calling_hours(lead)}
