"""Print runs: from due letter touches or a lead list to letters in the mail.

draft -> approved -> generating -> ready -> mailed, or cancelled before mailed.

A run holds each of its letter touches while it is open (a partial unique
constraint: a touch is in at most one open run). Leads that cannot be mailed
stay in the run as exceptions with the reason, so the manager sees who was left
out and why. Marking a run mailed completes its touches and records a
letter_mailed interaction on every lead it printed.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.jobs import enqueue
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.models import Interaction, Lead, User
from crm.services import interactions_record
from followups.models import Channel, Touch
from followups.services import touches_complete, touches_skip
from mailings.email.windows import FrequencyCap
from mailings.letters.compose import letter_template_problems, why_not_mail
from mailings.letters.jobs import print_run_chunk_render
from mailings.letters.models import LetterTemplate, PrintRun, PrintRunLetter
from mailings.letters.selectors import due_letter_touches, leads_in_open_runs, print_order

Status = PrintRun.Status


class PrintRunError(Exception):
    """An action the run's state does not allow; the message is for the user."""


def print_run_create(
    *,
    name: str,
    template: LetterTemplate,
    paper: str,
    created_by: User,
    leads: QuerySet[Lead] | None = None,
    source_description: str = "",
    now: dt.datetime | None = None,
) -> PrintRun:
    """A draft run of the due letter touches (leads=None) or of these leads."""
    now = now or timezone.now()
    source = PrintRun.Source.TOUCHES if leads is None else PrintRun.Source.LEADS
    with transaction.atomic():
        run = PrintRun.objects.create(
            name=name,
            template=template,
            paper=paper,
            source=source,
            source_description=source_description[:500],
            created_by=created_by,
        )
        if leads is None:
            _add_due_touches(run, now)
        else:
            _add_leads(run, leads, now)
    return run


def _add_due_touches(run: PrintRun, now: dt.datetime) -> None:
    touches = list(
        due_letter_touches(now, template=run.template)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("lead")
        .order_by(*print_order("lead__"))
    )
    leads = [touch.lead for touch in touches]
    exceptions = _exceptions(leads, now, run)
    _skip_unmailable_steps(touches, now)
    seen: set[int] = set()
    rows = []
    for touch in touches:
        if touch.lead_id in seen:  # two due letters for one lead: one letter
            continue
        seen.add(touch.lead_id)
        reason = exceptions.get(touch.lead_id, "")
        rows.append(_row(run, touch.lead_id, len(rows) + 1, reason, touch=touch))
    PrintRunLetter.objects.bulk_create(rows)


def _skip_unmailable_steps(touches: list[Touch], now: dt.datetime) -> None:
    """A cadence's letter to a lead who cannot get one (no address, asked for no
    mail) is skipped with the reason, and the cadence goes on; a cap or another
    open run only puts it off to a later run."""
    for touch in touches:
        if touch.enrolment_id and (reason := why_not_mail(touch.lead)):
            touches_skip(touch_ids=[touch.pk], outcome=reason, now=now)


def _add_leads(run: PrintRun, leads: QuerySet[Lead], now: dt.datetime) -> None:
    leads = list(leads.order_by(*print_order()).distinct())
    exceptions = _exceptions(leads, now, run)
    printed = [lead for lead in leads if lead.pk not in exceptions]
    touches = _plan_touches(run, printed, now)
    rows = [
        _row(run, lead.pk, position, exceptions.get(lead.pk, ""), touch=touches.get(lead.pk))
        for position, lead in enumerate(leads, start=1)
    ]
    PrintRunLetter.objects.bulk_create(rows)


def _row(run, lead_id, position, exception, *, touch=None) -> PrintRunLetter:
    holds = touch is not None and not exception
    return PrintRunLetter(
        run=run,
        lead_id=lead_id,
        position=position,
        exception=exception[:300],
        touch=touch if holds else None,
        holds_touch=holds,
        touch_made_by_run=holds and run.source == PrintRun.Source.LEADS,
    )


def _plan_touches(run: PrintRun, leads: list[Lead], now: dt.datetime) -> dict[int, Touch]:
    """A letter touch per printed lead of a lead-list run, in the ledger like any other."""
    return letter_touches_plan(
        leads=leads,
        due_at=now,
        reason=f"Print run: {run.name}",
        origin="print run",
        key_prefix=f"print-run:{run.pk}:lead",
    )


def letter_touches_plan(
    *, leads: list[Lead], due_at: dt.datetime, reason: str, origin: str, key_prefix: str
) -> dict[int, Touch]:
    """One pending letter touch per lead (keyed `key_prefix:lead id`, so planning
    again adds nothing), by lead id."""
    Touch.objects.bulk_create(
        [
            Touch(
                lead=lead,
                channel=Channel.LETTER,
                due_at=due_at,
                reason=reason[:300],
                origin=origin,
                key=f"{key_prefix}:{lead.pk}",
            )
            for lead in leads
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    planned = Touch.objects.filter(key__in=[f"{key_prefix}:{lead.pk}" for lead in leads])
    return {touch.lead_id: touch for touch in planned}


def _exceptions(leads: list[Lead], now: dt.datetime, run: PrintRun) -> dict[int, str]:
    """Why a lead gets no letter in this run, per lead id; leads not in it are printed."""
    cap = FrequencyCap([lead.pk for lead in leads], now)
    in_other_runs = leads_in_open_runs([lead.pk for lead in leads], excluding=run)
    exceptions = {}
    for lead in leads:
        reason = why_not_mail(lead) or _why_not_in_run(lead.pk, cap, in_other_runs)
        if reason:
            exceptions[lead.pk] = reason
    return exceptions


def _why_not_in_run(lead_id: int, cap: FrequencyCap, in_other_runs: dict[int, str]) -> str:
    if lead_id in in_other_runs:
        return f"Already in the open run “{in_other_runs[lead_id]}”"
    if cap.frees_at(lead_id) is not None:
        return (
            f"Frequency cap: {settings.MAIL_CAP_TOUCHES} marketing touches "
            f"in {settings.MAIL_CAP_DAYS} days"
        )
    return ""


def print_run_approve(*, run: PrintRun, by: User, now: dt.datetime | None = None) -> PrintRun:
    with transaction.atomic():
        run = _locked(run, allowed=(Status.DRAFT,), doing="approved")
        if problems := letter_template_problems(run.template.body):
            raise PrintRunError("The letter template cannot be printed: " + " ".join(problems))
        letters = run.letters.filter(exception="").count()
        if not letters:
            raise PrintRunError("This run has no letters to print: every lead is an exception.")
        run.status, run.approved_by, run.approved_at = Status.APPROVED, by, now or timezone.now()
        template = run.template
        run.approved_body, run.approved_css = template.body, template.css
        run.approved_coupon_code, run.approved_offer = template.coupon_code, template.offer
        run.save()
        audit_record(
            action=AuditEntry.Action.PRINT_RUN_APPROVED,
            by=by,
            subject=run,
            changes={"status": [Status.DRAFT.value, Status.APPROVED.value]},
            data={"letters": letters, "template": template.name},
        )
    return run


def print_run_generate(*, run: PrintRun, now: dt.datetime | None = None) -> PrintRun:
    """Render the run's PDF in the background: one job per chunk of letters (in
    parallel on the letters workers), merged in order when the last is done.
    Generating again (after a failure, or jobs lost with Redis) starts afresh."""
    now = now or timezone.now()
    with transaction.atomic():
        restartable = (Status.APPROVED, Status.FAILED, Status.GENERATING)
        run = _locked(run, allowed=restartable, doing="generated")
        if run.status == Status.GENERATING and not generation_is_stale(run, now):
            raise PrintRunError("This run is being generated; watch its progress.")
        letters = run.letters.filter(exception="").count()
        run.generation += 1
        run.status, run.error, run.generation_started_at = Status.GENERATING, "", now
        run.chunks_total = -(-letters // settings.LETTER_CHUNK_SIZE)
        run.chunks_rendered = []
        run.save()
        for chunk in range(run.chunks_total):
            enqueue(print_run_chunk_render, run.pk, run.generation, chunk, queue="letters")
    return run


def generation_is_stale(run: PrintRun, now: dt.datetime) -> bool:
    """A generation that made no progress for a long time lost its jobs."""
    limit = dt.timedelta(seconds=settings.LETTER_RENDER_SECONDS * 2)
    return run.generation_started_at is None or run.generation_started_at < now - limit


def print_run_cancel(*, run: PrintRun, now: dt.datetime | None = None) -> PrintRun:
    """Cancel before mailing: due touches go back to the ledger for another run;
    touches this run planned itself are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        run = _locked(run, allowed=PrintRun.OPEN_STATUSES, doing="cancelled")
        made = run.letters.filter(holds_touch=True, touch_made_by_run=True)
        touches_skip(touch_ids=made.values("touch_id"), outcome="print run cancelled", now=now)
        run.letters.update(holds_touch=False)
        run.status, run.cancelled_at = Status.CANCELLED, now
        run.save(update_fields=["status", "cancelled_at"])
    return run


def print_run_mark_mailed(*, run: PrintRun, by: User, now: dt.datetime | None = None) -> PrintRun:
    now = now or timezone.now()
    with transaction.atomic():
        run = _locked(run, allowed=(Status.READY,), doing="marked mailed")
        printed = list(run.letters.filter(exception="").only("lead_id", "touch_id", "position"))
        touches_complete(
            touch_ids=[letter.touch_id for letter in printed], outcome="mailed", now=now
        )
        _record_mailed(run, printed, now)
        run.letters.update(holds_touch=False)
        run.status, run.mailed_by, run.mailed_at = Status.MAILED, by, now
        run.save(update_fields=["status", "mailed_by", "mailed_at"])
    return run


def _record_mailed(run: PrintRun, printed: list[PrintRunLetter], now: dt.datetime) -> None:
    interactions_record(
        [
            Interaction(
                lead_id=letter.lead_id,
                kind=Interaction.Kind.LETTER_MAILED,
                occurred_at=now,
                notes=f"{run.template.name} ({run.name})"[:500],
                data={
                    "print_run": run.pk,
                    "template": run.template.slug,
                    # For the timeline's sentence (crm.sentences), which reads no mailings table.
                    "template_name": run.template.name,
                    "run_name": run.name,
                },
                source="print run",
                external_id=f"print-run:{run.pk}:{letter.position}",
            )
            for letter in printed
        ]
    )


def letter_reprinted(*, letter: PrintRunLetter, now: dt.datetime | None = None) -> None:
    """Count a reprint (the mailroom spoiled a page): the PDF is made on the spot."""
    PrintRunLetter.objects.filter(pk=letter.pk).update(
        reprints=F("reprints") + 1, last_reprinted_at=now or timezone.now()
    )


def _locked(run: PrintRun, *, allowed, doing: str) -> PrintRun:
    run = PrintRun.objects.select_for_update().select_related("template").get(pk=run.pk)
    if run.status not in allowed:
        state = run.get_status_display().lower()
        raise PrintRunError(f"This run is {state}: it can't be {doing} now.")
    return run
