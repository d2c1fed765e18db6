"""Reads for the call queue and a lead's upcoming touches."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.models import Lead, User
from followups.calling_hours import holidays_around, open_zones_filter
from followups.models import Channel, Touch

QUEUE_ORDER = ("-priority", "due_at", "id")


def callable_calls(now: dt.datetime | None = None) -> QuerySet[Touch]:
    """Pending calls that may be made now: due, to a lead that may be called, whose
    local time is inside calling hours and not a holiday."""
    now = now or timezone.now()
    holidays = holidays_around(now.date() + dt.timedelta(days=offset) for offset in (-1, 0, 1))
    return (
        Touch.objects.filter(channel=Channel.CALL, status=Touch.Status.PENDING, due_at__lte=now)
        .filter(lead__do_not_call=False, lead__phone_invalid=False)
        .exclude(lead__phone="")
        .filter(Q(lead__calls_paused_until__isnull=True) | Q(lead__calls_paused_until__lte=now))
        .filter(open_zones_filter(now, holidays))
    )


def call_queue(user: User, now: dt.datetime | None = None) -> QuerySet[Touch]:
    """The calls this user should make now, the next one first."""
    return callable_calls(now).filter(assigned_to=user).order_by(*QUEUE_ORDER)


def claimed_calls(user: User) -> QuerySet[Touch]:
    """The calls this user has claimed and not logged yet."""
    return Touch.objects.filter(
        channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).select_related("lead", "lead__source_campaign", "interaction")


def current_call(user: User) -> Touch | None:
    """The call this user has claimed and not logged yet (the oldest claim, if several)."""
    return claimed_calls(user).order_by("claimed_at", "id").first()


def has_current_call(user: User) -> bool:
    """Cheaper than current_call when, as on most claims, there is none."""
    return Touch.objects.filter(
        channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).exists()


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
            "detail": touch.reason,
            "who": touch.assigned_to.display_name if touch.assigned_to else "",
        }
        for touch in upcoming_touches(lead)
    ]
