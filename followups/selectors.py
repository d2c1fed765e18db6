"""Reads for a lead's page: whether it is inside calling hours where the lead
is, now, and the lead's upcoming touches. The call queue's reads are
followups.queue.selectors."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from crm.models import Lead, User
from followups.calling_hours import CallingWindow, calling_hours, holidays_near, place_of, zone
from followups.models import Touch


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
