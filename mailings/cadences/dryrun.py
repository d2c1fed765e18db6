"""A drip's dry run: who would get which email when over the next 14 days, and
which would be held or skipped, and why. Nothing is sent or changed.

Each active enrolment's planned email (its pending outbox row) goes at its due
time; the enrolment's later steps follow by their delays from there. Every
email meets the checks the sender makes, in its order (mailings.sending):
consent and suppression (skipped, and the drip ends for the lead), the
frequency cap, the send window (held until they allow it). Six queries,
however many enrolments.

The cap counts the marketing touches done so far plus this drip's own projected
emails; other drips' and letters' future touches are not projected.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from crm.models import Lead
from followups.calling_hours import Holidays, holidays_around
from followups.models import Touch
from mailings.addresses import email_digest
from mailings.consent import suppressed_digests, why_not_email
from mailings.drips import step_due, variant_for
from mailings.models import Drip, DripStep, Enrolment, OutboxEmail, StepVariant
from mailings.windows import FrequencyCap, hold_until, local_description

HORIZON = dt.timedelta(days=14)
ROW_LIMIT = 500


@dataclass(frozen=True)
class DryRunRow:
    lead: Lead
    step: DripStep
    variant: StepVariant
    at: dt.datetime  # when it would go out
    planned: bool  # in the outbox already; else projected from the steps' delays
    held: str = ""  # why it waits past its due time
    skipped: str = ""  # why it would not go at all

    @property
    def local_time(self) -> str:
        return local_description(self.at, self.lead.time_zone)


@dataclass(frozen=True)
class DryRun:
    rows: list[DryRunRow]  # the first `limit`, soonest first
    total: int
    horizon: dt.datetime


@dataclass
class _Facts:
    """What every check needs, loaded once for all enrolments."""

    now: dt.datetime
    horizon: dt.datetime
    steps: list[DripStep]
    suppressed: set[str]
    cap: FrequencyCap
    holidays: Holidays


def drip_dry_run(drip: Drip, *, now: dt.datetime | None = None, limit=ROW_LIMIT) -> DryRun:
    now = now or timezone.now()
    horizon = now + HORIZON
    planned = _planned_emails(drip, horizon)
    leads = [outbox.lead for outbox in planned]
    earliest = min([now, *(outbox.enrolment.enrolled_at for outbox in planned)])
    facts = _Facts(
        now=now,
        horizon=horizon,
        steps=list(drip.steps.prefetch_related("variants")),
        suppressed=suppressed_digests(lead.email for lead in leads),
        cap=FrequencyCap([lead.pk for lead in leads], now),
        holidays=holidays_around(_dates_between(earliest, horizon)),
    )
    rows = [row for outbox in planned for row in _enrolment_rows(outbox, facts)]
    rows.sort(key=lambda row: (row.at, row.lead.pk))
    return DryRun(rows=rows[:limit], total=len(rows), horizon=horizon)


def _planned_emails(drip: Drip, horizon: dt.datetime) -> list[OutboxEmail]:
    return list(
        OutboxEmail.objects.filter(
            enrolment__drip=drip,
            enrolment__status=Enrolment.Status.ACTIVE,
            status__in=(OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING),
            touch__status__in=Touch.OPEN,
            touch__due_at__lt=horizon,
        )
        .select_related("enrolment", "lead", "step", "variant", "touch")
        .order_by("touch__due_at", "pk")
    )


def _dates_between(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    # A day either side: the dates are local to each lead's zone.
    first, last = start.date() - dt.timedelta(days=1), end.date() + dt.timedelta(days=1)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _enrolment_rows(outbox: OutboxEmail, facts: _Facts) -> list[DryRunRow]:
    lead, step, variant = outbox.lead, outbox.step, outbox.variant
    Enrolment.lead.field.set_cached_value(outbox.enrolment, lead)  # the same lead: no query
    later = [other for other in facts.steps if other.position > step.position]
    due, rows = max(outbox.touch.due_at, facts.now), []
    while due < facts.horizon:
        row = _check(lead, step, variant, due, facts, planned=not rows)
        rows.append(row)
        if row.skipped or not later:
            break  # a refusal ends the lead's drip
        step = later.pop(0)
        if not step.variants.all():
            break  # nothing to send: the sender could not plan it either
        variant = variant_for(step, lead)
        due = max(step_due(step, outbox.enrolment, row.at, facts.holidays), row.at)
    return rows


def _check(lead, step, variant, due, facts: _Facts, *, planned: bool) -> DryRunRow:
    refusal = why_not_email(lead, suppressed=email_digest(lead.email) in facts.suppressed)
    if refusal:
        return DryRunRow(lead, step, variant, due, planned, skipped=refusal)
    at, held = due, ""
    if waits := hold_until(lead, due, facts.cap):
        at, held = waits[0], waits[1][0].upper() + waits[1][1:]
    # Counted at its own time (FrequencyCap.count would count it now).
    facts.cap.done[lead.pk].append(at)
    return DryRunRow(lead, step, variant, at, planned, held=held)
