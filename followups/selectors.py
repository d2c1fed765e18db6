"""Reads for the call queue and a lead's upcoming touches."""

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from crm.models import Lead, User
from followups.calling_hours import Holidays, holidays_near, open_zones_filter
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
