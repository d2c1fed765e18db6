"""A cadence's dry run: who gets what when over the next 14 days, on every channel,
and what would be skipped, and why. Nothing is sent or changed.

Each active enrolment's planned touch comes at its due time; its later steps
follow by their waits from there (followups.cadences.timing.step_due), a call
as if it went on to the next step (its outcome decides, later). Each touch
meets the check the engine makes, in the engine's words: a call whether the
lead may be called (followups.ledger.lead_call_barred, asked as it is planned,
when the step before it is done), an email consent and suppression, then the
frequency cap and the send window (held until they allow it), a personal email
consent and suppression, a letter whether it can be mailed
(mailings.letters.compose.why_not_mail). A skipped step is skipped and the
cadence goes on, as the engine does. Six queries, however many enrolments.

The cap counts the marketing touches done so far plus this cadence's own
projected emails and letters; other cadences' future touches are not projected.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import F
from django.utils import timezone

from crm.models import Lead
from followups.cadences.ads import NO_DESTINATION, ads_check
from followups.cadences.models import Cadence, CadenceStep, Channel, Enrolment
from followups.cadences.timing import step_due
from followups.calling_hours import Holidays, holidays_around
from followups.ledger import lead_call_barred
from followups.models import Touch
from mailings.consent.addresses import email_digest
from mailings.consent.selectors import suppressed_digests, why_not_email
from mailings.email.steps import variant_for
from mailings.email.windows import FrequencyCap, hold_until, local_description
from mailings.letters.compose import why_not_mail
from mailings.letters.models import LetterTemplate
from mailings.models import StepVariant

HORIZON = dt.timedelta(days=14)
ROW_LIMIT = 500
ROWS_PER_ENROLMENT = 100  # a step repeating at once ends its projection here
HISTORY = dt.timedelta(days=730)  # holidays are read this far back, for waits after enrolment
MARKETING = (Channel.EMAIL, Channel.LETTER)


@dataclass(frozen=True)
class DryRunRow:
    lead: Lead
    step: CadenceStep
    at: dt.datetime  # when it would happen
    planned: bool  # planned already; else projected from the steps' waits
    variant: StepVariant | None = None  # an email's
    template: LetterTemplate | None = None  # a letter's
    held: str = ""  # why it waits past its due time
    skipped: str = ""  # why it would not happen at all

    @property
    def local_time(self) -> str:
        return local_description(self.at, self.lead.time_zone)

    @property
    def channel(self) -> str:
        return self.step.channel


@dataclass(frozen=True)
class DryRun:
    rows: list[DryRunRow]  # the first `limit`, soonest first
    total: int
    skipped: int
    horizon: dt.datetime


@dataclass
class _Facts:
    """What every check needs, loaded once for all enrolments."""

    now: dt.datetime
    horizon: dt.datetime
    steps: list[CadenceStep]
    suppressed: set[str]
    cap: FrequencyCap
    holidays: Holidays


def cadence_dry_run(
    cadence: Cadence, *, now: dt.datetime | None = None, limit: int = ROW_LIMIT
) -> DryRun:
    now = now or timezone.now()
    horizon = now + HORIZON
    planned = _planned_touches(cadence, horizon)
    leads = [touch.lead for touch in planned]
    earliest = min([now, *(touch.enrolment.enrolled_at for touch in planned)])
    facts = _Facts(
        now=now,
        horizon=horizon,
        steps=_steps(cadence),
        suppressed=suppressed_digests(lead.email for lead in leads),
        cap=FrequencyCap([lead.pk for lead in leads], now),
        holidays=holidays_around(_dates_between(max(earliest, now - HISTORY), horizon)),
    )
    rows = [row for touch in planned for row in _enrolment_rows(touch, facts)]
    rows.sort(key=lambda row: (row.at, row.lead.pk, row.step.position))
    skipped = sum(1 for row in rows if row.skipped)
    return DryRun(rows=rows[:limit], total=len(rows), skipped=skipped, horizon=horizon)


def _steps(cadence: Cadence) -> list[CadenceStep]:
    steps = cadence.steps.select_related("letter__template").prefetch_related("variants")
    return list(steps.order_by("position"))


def _planned_touches(cadence: Cadence, horizon: dt.datetime) -> list[Touch]:
    """Each active enrolment's current step's touch, due before the horizon."""
    return list(
        Touch.objects.filter(
            enrolment__cadence=cadence,
            enrolment__status=Enrolment.Status.ACTIVE,
            step_id=F("enrolment__step_id"),
            attempt=F("enrolment__attempt"),
            status__in=Touch.OPEN,
            due_at__lt=horizon,
        )
        .select_related("enrolment", "lead")
        .order_by("due_at", "pk")
    )


def _dates_between(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    # A day either side: the dates are local to each lead's zone.
    first, last = start.date() - dt.timedelta(days=1), end.date() + dt.timedelta(days=1)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _enrolment_rows(touch: Touch, facts: _Facts) -> list[DryRunRow]:
    lead, enrolment = touch.lead, touch.enrolment
    by_id = {step.pk: step for step in facts.steps}
    step = by_id.get(touch.step_id)
    at, rows = max(touch.due_at, facts.now), []
    while step is not None and at < facts.horizon and len(rows) < ROWS_PER_ENROLMENT:
        row = _check(lead, step, at, facts, planned=not rows)
        if row.skipped and step.channel == Channel.CALL and rows:
            # A call they may not get is skipped when it is planned, as the step
            # before it is done; the cadence goes on from then.
            row = replace(row, at=rows[-1].at)
        rows.append(row)
        step = _following(facts.steps, step)
        if step is not None:
            due = step_due(
                step,
                after=row.at,
                enrolled_at=enrolment.enrolled_at,
                time_zone=lead.time_zone,
                country=lead.country,
                holidays=facts.holidays,
            )
            at = max(due, row.at)
    return rows


def _following(steps: list[CadenceStep], step: CadenceStep) -> CadenceStep | None:
    """As followups.cadences.progress.following_step, on the steps in hand."""
    if step.repeat_from:
        return next((other for other in steps if other.position >= step.repeat_from), None)
    return next((other for other in steps if other.position > step.position), None)


def _check(lead: Lead, step: CadenceStep, due: dt.datetime, facts: _Facts, *, planned) -> DryRunRow:
    row = {"lead": lead, "step": step, "at": due, "planned": planned}
    if step.channel == Channel.CALL:
        return DryRunRow(**row, skipped=_sentence(lead_call_barred(lead, due)))
    if step.channel in (Channel.EMAIL, Channel.PERSONAL_EMAIL):
        return _email(lead, step, due, facts, row)
    if step.channel == Channel.LETTER:
        return _letter(lead, step, due, facts, row)
    if step.channel == Channel.ADS:
        why = ads_check(lead) if step.ad_link_id else NO_DESTINATION
        return DryRunRow(**row, skipped=_sentence(why))
    return DryRunRow(**row)


def _email(lead, step, due, facts: _Facts, row: dict) -> DryRunRow:
    variant = variant_for(step, lead, step.variants.all())
    if variant is None:
        return DryRunRow(**row, skipped="The step has no email written")
    refusal = why_not_email(lead, suppressed=email_digest(lead.email) in facts.suppressed)
    if refusal:
        return DryRunRow(**row, variant=variant, skipped=refusal)
    if step.channel == Channel.PERSONAL_EMAIL:
        return DryRunRow(**row, variant=variant)  # a rep sends it: no window, no cap
    at, held = due, ""
    if waits := hold_until(lead, due, facts.cap):
        at, held = waits[0], _sentence(waits[1])
    # Counted at its own time (FrequencyCap.count would count it now).
    facts.cap.done[lead.pk].append(at)
    return DryRunRow(**(row | {"at": at}), variant=variant, held=held)


def _letter(lead, step, due, facts: _Facts, row: dict) -> DryRunRow:
    letter = getattr(step, "letter", None)
    if letter is None:
        return DryRunRow(**row, skipped="The step has no letter template")
    refusal = why_not_mail(lead)
    if not refusal:
        facts.cap.done[lead.pk].append(due)
    return DryRunRow(**row, template=letter.template, skipped=refusal)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
