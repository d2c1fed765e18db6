"""Drip enrolment and progress: enrol a lead, plan each step as an email touch in
the ledger (with its outbox row), move on after a send, and stop."""

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.models import Interaction, Lead, User
from followups.ledger import touch_schedule
from followups.models import Channel, Touch
from followups.services import touches_cancel_open
from mailings.models import Drip, DripStep, Enrolment, OutboxEmail, StepVariant
from mailings.windows import add_business_days

EMAIL_PRIORITY = 40


def enrolment_create(
    *,
    drip: Drip,
    lead: Lead,
    source: str,
    interaction: Interaction | None = None,
    by: User | None = None,
    first_touch: Touch | None = None,
    now: dt.datetime | None = None,
) -> Enrolment | None:
    """Enrol the lead and plan the first step. None when the lead is in this drip
    already, or the drip has no steps. first_touch: an email touch planned
    elsewhere (a rule, a call outcome) that becomes the first step's touch."""
    first = drip.steps.order_by("position").first()
    if first is None:
        return None
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                drip=drip,
                lead=lead,
                source=source[:200],
                interaction=interaction,
                enrolled_by=by,
                enrolled_at=now or timezone.now(),
            )
            step_plan(
                enrolment=enrolment, step=first, after=enrolment.enrolled_at, touch=first_touch
            )
    except IntegrityError:
        return None  # enrolled already (the partial unique index said so)
    return enrolment


def step_plan(
    *, enrolment: Enrolment, step: DripStep, after: dt.datetime, touch: Touch | None = None
) -> OutboxEmail:
    """The step's email touch, due its delay after `after` (or after enrolment),
    and its outbox row: both once per (enrolment, step)."""
    lead = enrolment.lead
    variant = variant_for(step, lead)
    if touch is None:
        touch = touch_schedule(
            **step_touch_fields(enrolment, step),
            due_at=step_due(step, enrolment, after),
            interaction=enrolment.interaction,
        )
    outbox, _ = OutboxEmail.objects.get_or_create(
        enrolment=enrolment,
        step=step,
        defaults={"variant": variant, "lead": lead, "touch": touch},
    )
    return outbox


def step_touch_fields(enrolment: Enrolment, step: DripStep) -> dict:
    """What a step's email touch says, wherever it is written (bulk paths too)."""
    drip, lead = enrolment.drip, enrolment.lead
    return {
        "lead": lead,
        "channel": Channel.EMAIL,
        "reason": f"{drip.name}: email {step.position}"[:300],
        "reason_at": enrolment.enrolled_at,
        "key": f"drip:{enrolment.pk}:step:{step.pk}",
        "origin": f"Drip: {drip.name}"[:100],
        "priority": EMAIL_PRIORITY,
        "assigned_to": lead.owner,
    }


def step_due(
    step: DripStep, enrolment: Enrolment, after: dt.datetime, holidays=None
) -> dt.datetime:
    """When the step is due: its delay after `after` (the step before) or after
    enrolment. Pass the holidays when planning many (see add_business_days)."""
    base = enrolment.enrolled_at if step.delay_after == DripStep.After.ENROLMENT else after
    if step.delay_unit == DripStep.Unit.BUSINESS_DAYS:
        lead = enrolment.lead
        return add_business_days(base, lead.time_zone, step.delay, lead.country, holidays)
    return base + dt.timedelta(hours=step.delay)


def variant_for(step: DripStep, lead: Lead) -> StepVariant:
    """The lead's variant of the step: the same lead always gets the same one, and
    leads split evenly (a hash of step and lead, not a random draw)."""
    variants = list(step.variants.all())
    if len(variants) == 1:
        return variants[0]
    digest = hashlib.sha256(f"{step.pk}:{lead.pk}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def enrolments_advance(*, emails: list[OutboxEmail], now: dt.datetime) -> None:
    """After steps were sent: plan each enrolment's next step, or complete it. The
    drips' steps are read once for the whole batch."""
    steps = _steps_by_drip({email.enrolment.drip_id for email in emails})
    finished = []
    for email in emails:
        Enrolment.lead.field.set_cached_value(email.enrolment, email.lead)  # loaded already
        following = [s for s in steps[email.enrolment.drip_id] if s.position > email.step.position]
        if following:
            step_plan(enrolment=email.enrolment, step=following[0], after=email.sent_at or now)
        else:
            finished.append(email.enrolment_id)
    Enrolment.objects.filter(pk__in=finished, status=Enrolment.Status.ACTIVE).update(
        status=Enrolment.Status.COMPLETED, ended_at=now
    )


def _steps_by_drip(drip_ids: set[int]) -> dict[int, list[DripStep]]:
    steps: dict[int, list[DripStep]] = {drip_id: [] for drip_id in drip_ids}
    found = DripStep.objects.filter(drip__in=drip_ids).prefetch_related("variants")
    for step in found.order_by("position"):
        steps[step.drip_id].append(step)
    return steps


@transaction.atomic
def enrolments_stop(*, lead: Lead, reason: str, drips=None, now: dt.datetime | None = None) -> int:
    """End the lead's active enrolments (in these drips or drip ids, or all) and cancel their
    emails not sent yet, queued ones included. Returns how many ended."""
    now = now or timezone.now()
    active = Enrolment.objects.filter(lead=lead, status=Enrolment.Status.ACTIVE)
    if drips is not None:
        active = active.filter(drip__in=drips)
    return _stop(active, reason=reason, now=now)


@transaction.atomic
def enrolments_withdraw(*, interaction_ids: Sequence[int], reason: str) -> dict[str, int]:
    """Stop the active enrolments these interactions started, which are about to be
    deleted, and cancel their unsent emails; sent ones stay (an interaction hook:
    crm.interaction_hooks.run_withdrawn)."""
    active = Enrolment.objects.filter(
        interaction_id__in=interaction_ids, status=Enrolment.Status.ACTIVE
    )
    return {"Drip enrolments stopped": _stop(active, reason=reason, now=timezone.now())}


def _stop(active: QuerySet[Enrolment], *, reason: str, now: dt.datetime) -> int:
    ids = list(active.values_list("pk", flat=True))
    if not ids:
        return 0
    Enrolment.objects.filter(pk__in=ids).update(
        status=Enrolment.Status.STOPPED, ended_at=now, stop_reason=reason[:200]
    )
    emails_cancel(OutboxEmail.objects.filter(enrolment_id__in=ids), reason=reason)
    return len(ids)


def emails_cancel(emails: QuerySet[OutboxEmail], *, reason: str) -> None:
    """Cancel emails not sent yet and their touches. An email being sent right now
    is left to its worker, which checks the enrolment again before sending."""
    waiting = emails.filter(status=OutboxEmail.Status.PENDING)
    touch_ids = list(waiting.values_list("touch_id", flat=True))
    waiting.update(status=OutboxEmail.Status.CANCELLED, last_error=reason[:500])
    touches_cancel_open(touch_ids=touch_ids, outcome=reason)


def drips_triggered_by(interaction: Interaction) -> QuerySet[Drip]:
    """The active drips this interaction enrols its lead in: those for its kind, in
    any campaign or in the interaction's own."""
    in_campaign = Q(trigger_campaign__isnull=True) | Q(trigger_campaign=interaction.campaign_id)
    return Drip.objects.filter(in_campaign, is_active=True, trigger_kind=interaction.kind)
