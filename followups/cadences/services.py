"""Writing cadences' enrolments: enrol (one lead, or thousands set-based), exit,
pause, resume, remove, move; and switching a cadence on or off."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.models import Interaction, Lead, User
from followups.cadences import progress
from followups.cadences.models import Cadence, CadenceStep, Enrolment
from followups.models import Touch
from followups.services import touches_cancel_open

# What else stops with an enrolment, or while it is paused (mailings cancels the
# unsent emails of its touches): called with the enrolments' ids and the reason.
EndedHandler = Callable[..., None]
_ended_handlers: list[EndedHandler] = []


def register_ended(handler: EndedHandler) -> None:
    if handler not in _ended_handlers:
        _ended_handlers.append(handler)


def enrolment_create(
    *,
    cadence: Cadence,
    lead: Lead,
    source: str,
    interaction: Interaction | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Enrolment | None:
    """Enrol the lead and plan the first step. None when the lead is in this cadence
    already (the partial unique index says so, whoever asked first), or the
    cadence has no steps."""
    first = progress.following_step(cadence, None)
    if first is None:
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                cadence=cadence,
                lead=lead,
                source=source[:200],
                interaction=interaction,
                enrolled_by=by,
                enrolled_at=now,
            )
            progress.go_to(enrolment, first, after=now, now=now)
    except IntegrityError:
        return None
    return enrolment


def leads_to_enrol(*, cadence: Cadence, leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The leads not in the cadence now (an active or paused enrolment)."""
    enrolled = Enrolment.objects.filter(cadence=cadence, status__in=Enrolment.OPEN)
    return leads.exclude(pk__in=enrolled.values("lead_id"))


@transaction.atomic
def enrolments_end(
    *,
    enrolments: QuerySet[Enrolment],
    reason: str,
    status: str = Enrolment.Status.EXITED,
    now: dt.datetime | None = None,
) -> int:
    """End these enrolments (those still open): their planned touches not done are
    cancelled, and what the delivering apps prepared for them (unsent emails)."""
    now = now or timezone.now()
    ids = list(enrolments.filter(status__in=Enrolment.OPEN).values_list("pk", flat=True))
    if not ids:
        return 0
    Enrolment.objects.filter(pk__in=ids).update(
        status=status, ended_at=now, exit_reason=reason[:200]
    )
    _take_back(ids, reason)
    return len(ids)


def _take_back(enrolment_ids: list[int], reason: str) -> None:
    """Their touches not done yet are cancelled, and what the delivering apps
    prepared for them."""
    touches_cancel_open(
        touch_ids=Touch.objects.filter(enrolment_id__in=enrolment_ids), outcome=reason
    )
    for handler in _ended_handlers:
        handler(enrolment_ids=enrolment_ids, reason=reason)


def enrolments_exit(
    *,
    lead: Lead,
    reason: str,
    cadences: Iterable[Cadence] | QuerySet[Cadence] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """End the lead's open enrolments (in these cadences, or all)."""
    open_ones = Enrolment.objects.filter(lead=lead)
    if cadences is not None:
        open_ones = open_ones.filter(cadence__in=cadences)
    return enrolments_end(enrolments=open_ones, reason=reason, now=now)


def enrolment_remove(*, enrolment: Enrolment, by: User) -> bool:
    ended = enrolments_end(
        enrolments=Enrolment.objects.filter(pk=enrolment.pk),
        reason=f"Removed by {by.display_name}",
    )
    return bool(ended)


def enrolments_withdraw(*, interaction_ids: Sequence[int], reason: str) -> dict[str, int]:
    """End the open enrolments these interactions started, which are about to be
    deleted (an interaction hook: crm.interaction_hooks.run_withdrawn)."""
    started = Enrolment.objects.filter(interaction_id__in=interaction_ids)
    return {"Cadence enrolments ended": enrolments_end(enrolments=started, reason=reason)}


@transaction.atomic
def enrolments_pause(*, enrolments: QuerySet[Enrolment], by: User) -> int:
    """Pause: the planned touch is taken back; nothing more happens until resumed."""
    now = timezone.now()
    ids = list(
        enrolments.filter(status=Enrolment.Status.ACTIVE)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    Enrolment.objects.filter(pk__in=ids).update(status=Enrolment.Status.PAUSED, paused_at=now)
    _take_back(ids, f"Paused by {by.display_name}")
    return len(ids)


def enrolments_resume(*, enrolments: QuerySet[Enrolment]) -> int:
    """Resume: the step it was on is planned again (now, or when it was due)."""
    resumed = 0
    for enrolment_id in enrolments.filter(status=Enrolment.Status.PAUSED).values_list(
        "pk", flat=True
    ):
        resumed += _resume_one(enrolment_id)
    return resumed


@transaction.atomic
def _resume_one(enrolment_id: int) -> bool:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cadence", "lead__owner", "step")
        .filter(pk=enrolment_id, status=Enrolment.Status.PAUSED)
        .first()
    )
    if enrolment is None:
        return False
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ACTIVE, paused_at=None)
    enrolment.status = Enrolment.Status.ACTIVE
    step = enrolment.step or progress.following_step(enrolment.cadence, None)
    was_due = (
        Touch.objects.filter(enrolment=enrolment, step=step, attempt=enrolment.attempt)
        .values_list("due_at", flat=True)
        .first()
    )
    progress.go_to_at(enrolment, step, due_at=max(was_due or now, now), now=now)
    return True


def enrolment_move(
    *, enrolment: Enrolment, to: Cadence, reason: str, now: dt.datetime | None = None
) -> Enrolment | None:
    """End the enrolment and enrol the lead in another cadence."""
    now = now or timezone.now()
    enrolments_end(
        enrolments=Enrolment.objects.filter(pk=enrolment.pk),
        reason=f"{reason}: moved to {to.name}",
        now=now,
    )
    return enrolment_create(
        cadence=to,
        lead=enrolment.lead,
        source=f"Moved from {enrolment.cadence.name}: {reason}",
        interaction=enrolment.interaction,
        now=now,
    )


@transaction.atomic
def cadence_step_delete(*, step: CadenceStep, send_to: int | None) -> int:
    """Delete a step. Those on it go to the step at position `send_to` (planned
    from now) or, with None, finish. Returns how many were moved."""
    now = timezone.now()
    on_it = list(
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cadence", "lead__owner")
        .filter(step=step, status__in=Enrolment.OPEN)
    )
    touches_cancel_open(touch_ids=Touch.objects.filter(step=step), outcome="Its step was deleted")
    cadence = step.cadence
    step.delete()
    target = cadence.steps.filter(position=send_to).first() if send_to else None
    for enrolment in on_it:
        if enrolment.status == Enrolment.Status.PAUSED:
            Enrolment.objects.filter(pk=enrolment.pk).update(step=target)
        else:
            progress.go_to(enrolment, target, after=now, now=now, reason="Its step was deleted")
    return len(on_it)


# Taking a call's outcome back (followups.queue.undo).


def enrolments_restore(*, enrolments: Iterable[Enrolment]) -> None:
    """Put these enrolments back exactly as they were read before (every field)."""
    for enrolment in enrolments:
        enrolment.save(force_update=True)


def enrolments_delete(*, enrolment_ids: Iterable[int]) -> None:
    """Delete enrolments made by what is being taken back (a move to another
    cadence, a trigger), with their touches: as if never made."""
    Enrolment.objects.filter(pk__in=list(enrolment_ids)).delete()


# The audit trail of a cadence: what it was before a change and after, in words.


def cadence_audit_values(cadence: Cadence) -> dict[str, Any]:
    """The cadence as the database has it, in words (a few queries); {} for one
    not yet saved."""
    if cadence.pk is None:
        return {}
    stored = Cadence.objects.select_related("audience").get(pk=cadence.pk)
    steps = stored.steps.order_by("position")
    triggers = stored.triggers.select_related("campaign")
    return {
        "name": stored.name,
        "is_active": stored.is_active,
        "audience": str(stored.audience) if stored.audience else None,
        "assign": stored.get_assign_display(),
        "reps": sorted(stored.reps.values_list("username", flat=True)),
        "triggers": sorted(trigger.describe() for trigger in triggers),
        "steps": [
            f"{step.position}. {step.get_channel_display()}, {step.describe_wait()}"
            for step in steps
        ],
        "policies": sorted(
            f"{policy.outcome} → {policy.get_action_display()}" for policy in stored.policies.all()
        ),
    }


def cadence_active_set(
    *, cadence: Cadence, active: bool, by: User | None, now: dt.datetime
) -> None:
    """Switch the cadence on or off, and record it when that changed it."""
    switched = Cadence.objects.filter(pk=cadence.pk, is_active=not active).update(
        is_active=active, updated_at=now
    )
    cadence.is_active = active
    if switched:
        audit_record(
            action=AuditEntry.Action.CADENCE_CHANGED,
            by=by,
            subject=cadence,
            changes={"is_active": [not active, active]},
        )


def audit_cadence_changed(
    *, cadence: Cadence, before: dict[str, Any], by: User | None
) -> AuditEntry | None:
    """Record what changed since `before` (cadence_audit_values); nothing when nothing did."""
    after = cadence_audit_values(cadence)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    if not changes:
        return None
    return audit_record(
        action=AuditEntry.Action.CADENCE_CHANGED,
        by=by,
        subject=cadence,
        changes=changes,
        note="" if before else "created",
    )
