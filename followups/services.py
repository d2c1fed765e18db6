"""Planning touches: the one way a touch gets into the ledger."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from crm.models import Interaction, Lead, User
from crm.services import lead_owner_claim
from followups.models import Channel, Rule, Touch


@transaction.atomic
def touch_schedule(
    *,
    lead: Lead,
    channel: str,
    due_at: dt.datetime,
    reason: str,
    key: str,
    origin: str,
    priority: int = 50,
    assigned_to: User | None = None,
    reason_at: dt.datetime | None = None,
    talking_points: str = "",
    rule: Rule | None = None,
    interaction: Interaction | None = None,
    attempt: int = 1,
) -> Touch | None:
    """Plan a touch once per key. A lead has one open call: a new reason to call
    makes that call sooner or more urgent instead of adding a second one. Returns
    None for a call to a lead that may not be called then."""
    existing = Touch.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if channel == Channel.CALL and not lead_callable(lead, due_at):
        return None
    touch = Touch(
        lead=lead,
        channel=channel,
        due_at=due_at,
        reason=reason[:300],
        reason_at=reason_at,
        talking_points=talking_points,
        priority=priority,
        assigned_to=assigned_to,
        rule=rule,
        origin=origin,
        interaction=interaction,
        attempt=attempt,
        key=key,
    )
    try:
        with transaction.atomic():
            touch.save()
    except IntegrityError:
        # Another open call for this lead exists (or the same key raced us in).
        return Touch.objects.filter(key=key).first() or _sharpen_open_call(touch)
    return touch


def lead_callable(lead: Lead, at: dt.datetime) -> bool:
    return not lead_call_barred(lead, at)


def lead_call_barred(lead: Lead, at: dt.datetime) -> str:
    """Why the lead may not be called at `at`, in a rep's words; "" when it may."""
    if lead.do_not_call:
        return "they asked not to be called"
    if lead.phone_invalid:
        return "the number is wrong"
    if not lead.phone:
        return "there is no phone number"
    if lead.calls_paused_until is not None and lead.calls_paused_until > at:
        return "calls to them are paused"
    return ""


def _sharpen_open_call(wanted: Touch) -> Touch | None:
    """Fold a new reason to call into the lead's open call: the sooner due time, the
    higher priority, and the more urgent reason (with the person it asks to call) win."""
    open_call = (
        Touch.objects.select_for_update()
        .filter(lead=wanted.lead, channel=Channel.CALL, status__in=Touch.OPEN)
        .first()
    )
    if open_call is None or open_call.status != Touch.Status.PENDING:
        return open_call
    if (wanted.priority, -wanted.due_at.timestamp()) > (
        open_call.priority,
        -open_call.due_at.timestamp(),
    ):
        open_call.reason, open_call.reason_at = wanted.reason, wanted.reason_at
        open_call.talking_points = wanted.talking_points or open_call.talking_points
        open_call.assigned_to = wanted.assigned_to or open_call.assigned_to
    open_call.due_at = min(open_call.due_at, wanted.due_at)
    open_call.priority = max(open_call.priority, wanted.priority)
    open_call.save(
        update_fields=["due_at", "priority", "reason", "reason_at", "talking_points", "assigned_to"]
    )
    return open_call


def touches_cancel(*, lead: Lead, channel: str, outcome: str) -> int:
    """Cancel a lead's open touches on a channel (e.g. no more calls)."""
    return Touch.objects.filter(lead=lead, channel=channel, status__in=Touch.OPEN).update(
        status=Touch.Status.CANCELLED, outcome=outcome[:100]
    )


def touches_withdraw(*, interaction_ids: Sequence[int], reason: str) -> dict[str, int]:
    """Cancel the open touches planned from these interactions, which are about to
    be deleted (an interaction hook: crm.interaction_hooks.run_withdrawn)."""
    planned = Touch.objects.filter(interaction_id__in=interaction_ids)
    count = touches_cancel_open(touch_ids=planned.values("pk"), outcome=reason)
    return {"Planned calls, emails and letters cancelled": count}


# Closing touches that other apps deliver (mailings: emails and letters). Touch
# status has one writer, this module's services; a claimed touch is its worker's
# until one of them closes or holds it.


def touches_cancel_open(*, touch_ids: Iterable[int] | QuerySet, outcome: str) -> int:
    """Cancel those of these touches still open; a claimed one loses its claim."""
    return Touch.objects.filter(pk__in=touch_ids, status__in=Touch.OPEN).update(
        status=Touch.Status.CANCELLED, outcome=outcome[:100], claimed_at=None, claimed_by=None
    )


def touches_skip(
    *, touch_ids: Iterable[int] | QuerySet, outcome: str, now: dt.datetime | None = None
) -> int:
    """Close touches that will not be done, saying why (no drip sends the email, it
    may not go, its print run was cancelled)."""
    return Touch.objects.filter(pk__in=touch_ids).update(
        status=Touch.Status.SKIPPED,
        outcome=outcome[:100],
        completed_at=now or timezone.now(),
        held_reason="",
    )


def touches_complete(*, touch_ids: Iterable[int] | QuerySet, outcome: str, now: dt.datetime) -> int:
    """Close touches that were done ("sent", "mailed")."""
    return Touch.objects.filter(pk__in=touch_ids).update(
        status=Touch.Status.DONE, outcome=outcome[:100], completed_at=now, held_reason=""
    )


def touches_complete_claimed(
    *, touch_ids: Iterable[int], outcome: str, now: dt.datetime
) -> set[int]:
    """Complete those of these touches still claimed, locked until the caller's
    transaction ends; the ids completed. A touch taken back meanwhile (released,
    cancelled) is left as it is."""
    claimed = set(
        Touch.objects.select_for_update()
        .filter(pk__in=list(touch_ids), status=Touch.Status.CLAIMED)
        .values_list("pk", flat=True)
    )
    touches_complete(touch_ids=claimed, outcome=outcome, now=now)
    return claimed


def touch_hold(*, touch_id: int, until: dt.datetime, why: str) -> None:
    """A touch that may not be done yet goes back to pending until `until`, and
    says why on the lead's page."""
    Touch.objects.filter(pk=touch_id).update(
        status=Touch.Status.PENDING, due_at=until, claimed_at=None, held_reason=why[:300]
    )


def open_touches_per_person() -> dict[int, int]:
    """How many open touches each person has assigned (those with any), in one query."""
    rows = (
        Touch.objects.filter(status__in=Touch.OPEN, assigned_to__isnull=False)
        .values("assigned_to")
        .annotate(open=Count("id"))
        .order_by()
    )
    return {row["assigned_to"]: row["open"] for row in rows}


def people_with_role(role: str) -> QuerySet[User]:
    return User.objects.filter(groups__name=role, is_active=True)


def lead_assignee(lead: Lead, *, pick: Callable[[], User | None]) -> User | None:
    """Who calls this lead: its owner. An unowned lead goes to whom `pick()`
    chooses (the least busy rep: followups.rules.PlanningBatch), who becomes its owner
    so they can open it."""
    if lead.owner_id is not None:
        return lead.owner
    rep = pick()
    if rep is None:
        return None
    lead_owner_claim(lead=lead, owner=rep)  # if someone was given it meanwhile, they call
    return lead.owner
