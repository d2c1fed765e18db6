"""Putting a touch into the ledger: the one way a touch is planned, with the rule
that a lead has one open call."""

import datetime as dt

from django.db import IntegrityError, transaction

from crm.models import Interaction, Lead, User
from followups.models import CadenceStep, Channel, Enrolment, Touch


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
    enrolment: Enrolment | None = None,
    step: CadenceStep | None = None,
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
        enrolment=enrolment,
        step=step,
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
