"""The life of a booth-list import: upload → mapping → preview → import.

Previews and imports run as jobs; their progress lives in the cache (it is
only ever a hint, the LeadImport row says what really happened).

A job never leaves its import "running" when it dies: the worker holds the
import's liveness lock (crm.imports.liveness) from before it marks the import
taken up (running_since) until the import's new status is committed, together
with the rows it wrote. An import taken up whose lock nobody holds has lost its
worker: the reaper marks it failed (every minute, and when its page is viewed),
and the manager tries again. started_at says when the current job was queued: a
job that no worker took up within QUEUE_LEASE was lost and is queued again.

The upload and its columns, before any of this runs, are crm.imports.mapping's.
"""

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, islice

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from config.jobs import JobHandle, enqueue, oldest_waiting_since
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.bulk import file_store
from crm.imports import liveness
from crm.imports.columns import GUESS_SAMPLE_ROWS
from crm.imports.engine import import_booth_rows
from crm.imports.files import ImportFileError, Table, read_table
from crm.imports.mapping import (
    as_json_mapping,
    lead_import_mapping,
    mapping_guess,
    remember_mapping,
    stored_table,
    too_big_message,
)
from crm.imports.writer import ImportResult, ImportSpec
from crm.models import Campaign, LeadImport, User

Status = LeadImport.Status
RUNNING = (Status.PREVIEWING, Status.IMPORTING)
# Run by crm.imports.jobs, which imports this module (config.jobs.JobHandle).
LEAD_IMPORT_PREVIEW = JobHandle("lead_import_preview")
LEAD_IMPORT_RUN = JobHandle("lead_import_run")
LEAD_IMPORT_RECORDED = JobHandle("lead_import_recorded")
JOB_FOR = {Status.PREVIEWING: LEAD_IMPORT_PREVIEW, Status.IMPORTING: LEAD_IMPORT_RUN}
QUEUE = "imports"
QUEUE_LEASE = dt.timedelta(minutes=5)
# A job is on the queue within this of its import's started_at (after the commit).
QUEUE_SLACK = dt.timedelta(minutes=1)
WORKER_DIED = (
    "The import stopped: the worker running it was killed or crashed. "
    "Nothing of it was stored. Try again."
)


def campaign_for_event(*, name: str, country: str = "", starts_on=None) -> Campaign:
    """The event campaign of that name, created when it is new."""
    campaign, _ = Campaign.objects.get_or_create(
        name=name.strip(),
        kind=Campaign.Kind.EVENT,
        defaults={"country": country, "starts_on": starts_on},
    )
    return campaign


@transaction.atomic
def lead_import_set_mapping(
    *, lead_import: LeadImport, mapping: dict[int, str], user: User | None
) -> LeadImport:
    """Save the manager's mapping (and remember it for the source), then preview."""
    if lead_import.status not in (Status.MAPPING, Status.PREVIEWED, Status.FAILED):
        raise ValidationError("This import is already running or done.")
    if not {"email", "phone"} & set(mapping.values()):
        raise ValidationError("Map at least one column to Email or Phone.")
    lead_import.mapping = as_json_mapping(mapping)
    lead_import.status = Status.PREVIEWING
    lead_import.failure = ""
    lead_import.started_at, lead_import.running_since = timezone.now(), None
    lead_import.save(update_fields=["mapping", "status", "failure", "started_at", "running_since"])
    if lead_import.source:
        remember_mapping(lead_import, mapping, user)
    enqueue(JOB_FOR[Status.PREVIEWING], lead_import.pk, queue=QUEUE)
    return lead_import


def lead_import_preview(*, lead_import: LeadImport) -> None:
    """Run the whole import and roll it back: the preview's counts are the import's."""
    with _taken_up(lead_import, Status.PREVIEWING) as taken:
        if taken:
            _run(lead_import, dry_run=True, status=Status.PREVIEWED)


@transaction.atomic
def lead_import_start(*, lead_import: LeadImport) -> bool:
    """Previewed → importing, once: a second click (or a second manager) starts nothing."""
    started = LeadImport.objects.filter(pk=lead_import.pk, status=Status.PREVIEWED).update(
        status=Status.IMPORTING, started_at=timezone.now(), running_since=None, failure=""
    )
    if started:
        enqueue(JOB_FOR[Status.IMPORTING], lead_import.pk, queue=QUEUE)
    return bool(started)


def lead_import_run(*, lead_import: LeadImport) -> None:
    with _taken_up(lead_import, Status.IMPORTING) as taken:
        if taken and _run(lead_import, dry_run=False, status=Status.DONE) is not None:
            enqueue(LEAD_IMPORT_RECORDED, lead_import.pk)


@contextmanager
def _taken_up(lead_import: LeadImport, status: str) -> Iterator[bool]:
    """Hold the import's liveness lock, and mark the import taken up (committed, for
    the reaper to see) if it still waits for this job: False for a repeated or late
    job (another live worker has the import, or it moved on)."""
    with liveness.import_lock(lead_import.pk) as held:
        yield held and _take_up(lead_import, status)


def _take_up(lead_import: LeadImport, status: str) -> bool:
    now = timezone.now()
    if not LeadImport.objects.filter(pk=lead_import.pk, status=status).update(running_since=now):
        return False
    lead_import.running_since = now
    return True


def _run(lead_import: LeadImport, *, dry_run: bool, status: str) -> ImportResult | None:
    """The engine over the stored file, and the import's new status committed in the
    same transaction as the rows (a worker killed between the two would leave them
    stored and the import running); None when the file could not be read."""
    try:
        with _failed_on_error(lead_import), stored_table(lead_import) as table:
            with transaction.atomic():
                result = import_booth_rows(
                    table.rows,
                    _spec(lead_import, table),
                    dry_run=dry_run,
                    progress=lambda done: _report_progress(lead_import, done),
                )
                _store(lead_import, result, status=status)
            return result
    except ImportFileError:
        return None  # the import says why


@contextmanager
def _failed_on_error(lead_import: LeadImport) -> Iterator[None]:
    """A file or database failure marks the import failed (the transaction has been
    rolled back) instead of leaving it running."""
    try:
        yield
    except ImportFileError as exc:
        _fail(lead_import, str(exc))
        raise
    except Exception as exc:
        _fail(lead_import, f"The import stopped and changed nothing: {exc}")
        raise


def _spec(lead_import: LeadImport, table: Table) -> ImportSpec:
    return ImportSpec(
        campaign=lead_import.campaign,
        header=table.header,
        mapping=lead_import_mapping(lead_import),
        default_country=lead_import.default_country,
        user=lead_import.created_by,
        lead_import=lead_import,
    )


RESULT_FIELDS = (
    "rows",
    "created",
    "updated",
    "duplicates",
    "invalid",
    "engaged",
    "samples",
    "conflicts",
    "conflict_rows",
    "warnings",
    "warning_rows",
)


def _store(lead_import: LeadImport, result: ImportResult, *, status: str) -> None:
    for name in RESULT_FIELDS:
        setattr(lead_import, name, getattr(result, name))
    lead_import.errors = [
        {"row": problem.number, "message": problem.message, "cells": problem.cells}
        for problem in result.problems
    ]
    lead_import.status = status
    lead_import.finished_at = timezone.now() if status == Status.DONE else None
    lead_import.running_since = None
    # Not the uploaded file (up to 50 MB), which nothing here changed.
    lead_import.save(
        update_fields=[*RESULT_FIELDS, "errors", "status", "finished_at", "running_since"]
    )
    if status == Status.DONE:
        _audit_imported(lead_import, result)
    cache.delete(_progress_key(lead_import.pk))


def _audit_imported(lead_import: LeadImport, result: ImportResult) -> None:
    """One entry for the whole import, however many rows: the lead page finds it
    through the booth visits the import recorded."""
    audit_record(
        action=AuditEntry.Action.IMPORTED,
        by=lead_import.created_by,
        system="command line",
        subject=lead_import,
        data={
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "invalid": result.invalid,
        },
    )


def _fail(lead_import: LeadImport, message: str) -> None:
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=Status.FAILED, failure=message, running_since=None
    )
    cache.delete(_progress_key(lead_import.pk))


def lead_import_retry(*, lead_import: LeadImport) -> None:
    """A failed import goes back to its preview (nothing of it was stored)."""
    if lead_import.status == Status.FAILED:
        lead_import_set_mapping(
            lead_import=lead_import,
            mapping=lead_import_mapping(lead_import),
            user=lead_import.created_by,
        )


def lead_imports_reap(*, now: dt.datetime) -> int:
    """The periodic task: imports whose worker died are failed, and jobs that no
    worker took up are queued again. The number failed."""
    _queue_lost_jobs(now)
    return _fail_dead(LeadImport.objects.all())


def lead_import_reap(*, lead_import: LeadImport) -> None:
    """Fail this import at once if its worker died, for the manager watching it."""
    taken_up = lead_import.is_running and lead_import.running_since
    if taken_up and _fail_dead(LeadImport.objects.filter(pk=lead_import.pk)):
        lead_import.refresh_from_db(fields=["status", "failure", "running_since"])


def _fail_dead(imports: QuerySet[LeadImport]) -> int:
    """Fail those taken up whose liveness lock nobody holds. Each update is
    conditional on the import being as it was read, so a job that finished or
    started meanwhile (and released or took the lock) is left alone."""
    taken_up = dict(
        imports.filter(status__in=RUNNING, running_since__isnull=False).values_list(
            "pk", "running_since"
        )
    )
    alive = liveness.imports_held(taken_up)
    failed = 0
    for pk, running_since in taken_up.items():
        if pk not in alive:
            failed += LeadImport.objects.filter(
                pk=pk, status__in=RUNNING, running_since=running_since
            ).update(status=Status.FAILED, failure=WORKER_DIED, running_since=None)
            cache.delete(_progress_key(pk))
    return failed


def _queue_lost_jobs(now: dt.datetime) -> None:
    """Queue again the job of each import queued before the lease and never taken
    up (Redis was flushed, or the web process running jobs restarted). A job that
    was only slow comes after its import moved on, and does nothing."""
    queued_before = _lost_before(now)
    lost = LeadImport.objects.filter(
        Q(started_at__lt=queued_before) | Q(started_at__isnull=True),
        status__in=RUNNING,
        running_since__isnull=True,
    )
    for pk, status, started_at in lost.values_list("pk", "status", "started_at"):
        if LeadImport.objects.filter(
            pk=pk, status=status, running_since__isnull=True, started_at=started_at
        ).update(started_at=now):
            enqueue(JOB_FOR[status], pk, queue=QUEUE)


def _lost_before(now: dt.datetime) -> dt.datetime:
    """Jobs queued before this are lost: older than the lease, and older than the
    jobs still waiting on the queue (the queue is first in, first out: while it is
    backed up, later ones may still be waiting behind its head)."""
    lost_before = now - QUEUE_LEASE
    waiting_since = oldest_waiting_since(QUEUE)
    if waiting_since is not None:
        lost_before = min(lost_before, waiting_since - QUEUE_SLACK)
    return lost_before


def _progress_key(pk: int) -> str:
    return f"crm:lead-import:{pk}:progress"


def _report_progress(lead_import: LeadImport, done: int) -> None:
    cache.set(_progress_key(lead_import.pk), done, timeout=3600)


def lead_import_progress(lead_import: LeadImport) -> tuple[int, int]:
    """(rows done, rows expected): the preview counted the rows the import will read."""
    done = cache.get(_progress_key(lead_import.pk)) or 0
    return done, lead_import.rows


def lead_import_file(
    *,
    path: str,
    campaign: Campaign,
    source: str = "",
    default_country: str = "",
    encoding: str = "",
    dry_run: bool = False,
    progress=None,
) -> ImportResult:
    """Import a file at once, as the command line does, in `encoding` if one is given
    (else the one detected). A real run is kept in the import history like a browser
    one; a dry run stores nothing."""
    if os.path.getsize(path) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(too_big_message())
    # The file is read as it goes, never whole: a long list costs no more memory.
    with open(path, "rb") as file, read_table(file, path, encoding=encoding) as table:
        first_rows = list(islice(table.rows, GUESS_SAMPLE_ROWS))
        guess = mapping_guess(table.header, [row.cells for row in first_rows], source)
        mapping = guess.mapping
        lead_import = None
        if not dry_run:
            # With its file, or not at all: a retry reads the file from the import.
            with transaction.atomic(), open(path, "rb") as kept:
                lead_import = LeadImport.objects.create(
                    filename=os.path.basename(path),
                    content=b"",
                    campaign=campaign,
                    source=source,
                    default_country=default_country or campaign.country,
                    header=table.header,
                    header_row=table.header_row,
                    encoding=table.encoding,
                    encoding_detected=table.encoding_detected,
                    mapping=as_json_mapping(mapping),
                    mapping_reasons=as_json_mapping(guess.reasons),
                    recognised_as=guess.recognised_as,
                    status=Status.IMPORTING,
                    started_at=timezone.now(),
                )
                file_store(lead_import, "content", kept)
        spec = ImportSpec(
            campaign=campaign,
            header=table.header,
            mapping=mapping,
            default_country=default_country or campaign.country,
            lead_import=lead_import,
        )
        rows = chain(first_rows, table.rows)
        if lead_import is None:
            return import_booth_rows(rows, spec, dry_run=True, progress=progress)
        with _command_line_run(lead_import):
            result = import_booth_rows(rows, spec, progress=progress)
            _store(lead_import, result, status=Status.DONE)
    enqueue(LEAD_IMPORT_RECORDED, lead_import.pk)
    return result


@contextmanager
def _command_line_run(lead_import: LeadImport) -> Iterator[None]:
    """Run as a job runs an import (it has only just been created, so no other
    process holds it): reaped if the process dies, failed on an error, and its
    status committed with its rows."""
    with (
        _taken_up(lead_import, Status.IMPORTING),
        _failed_on_error(lead_import),
        transaction.atomic(),
    ):
        yield
