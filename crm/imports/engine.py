"""A booth list into the CRM: rows → leads and booth visits, in batches.

Each batch costs a handful of queries, whatever its size: one LeadIndex load
(who is who, by the same rule as every other way in), one look at the matched
leads' history (already engaged? already recorded at this event?), then bulk
inserts (crm.bulk: COPY on PostgreSQL, with ids reserved first) and updates.
A lead gets its empty fields filled, the row's other emails and phones as
ContactPoints (kept in step with Lead.other_contacts, its search text), and one
booth visit at the event that every later row about the same person joins
(crm.imports.visits). The whole import is one transaction: a crash or a killed
worker leaves the database as it was. A dry run does everything, then rolls back.

This module reads, cleans and counts the rows; crm.imports.writer matches and
writes each batch.
"""

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from crm.bulk import batches, garbage_collection_past, made_aside, read_ahead
from crm.contact import derive_time_zone
from crm.imports.files import Row
from crm.imports.rows import BoothRow, RowProblem, clean_row
from crm.imports.writer import BoothListWriter, ImportResult, ImportSpec

BATCH_ROWS = 2000

WARNING_ROWS = 2000  # warnings the report lists with their rows' cells (all are counted)

# Where the rows are read and cleaned: in a child process while this one matches and
# writes the batch before (two cores at work), on a thread (overlapping only the
# database's waits), or here. The same rows in the same order, whichever.
CLEAN_AHEAD = {"process": made_aside, "thread": read_ahead, "here": iter}


def import_booth_rows(
    rows: Iterable[Row],
    spec: ImportSpec,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    clean_in: str = "process",
) -> ImportResult:
    """`clean_in` says where rows are read and cleaned (CLEAN_AHEAD)."""
    cleaned = (_clean(batch, spec) for batch in batches(rows, BATCH_ROWS))
    writer = BoothListWriter(spec)
    with garbage_collection_past(), transaction.atomic():
        one_import_at_a_time()
        for batch in CLEAN_AHEAD[clean_in](cleaned):
            writer.write(_count(batch, writer.result))
            if progress:
                progress(writer.result.rows)
        writer.seen.drop()
        if dry_run:
            transaction.set_rollback(True)
    return writer.result


def one_import_at_a_time() -> None:
    """Two imports of overlapping lists must not both create the same person (nor an
    undo delete one an import is matching): they take this lock, until they commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('crm.lead_import'))")


def _clean(batch: list[Row], spec: ImportSpec) -> list[tuple[Row, BoothRow | RowProblem]]:
    """Each row with what it became: no database, so that it may run in another
    process or on a thread."""
    cleaned = []
    for row in batch:
        outcome = clean_row(
            row.number,
            row.cells,
            header=spec.header,
            mapping=spec.mapping,
            default_country=spec.default_country,
        )
        if isinstance(outcome, BoothRow):
            outcome.new_lead_time_zone = _new_lead_time_zone(outcome)
        cleaned.append((row, outcome))
    return cleaned


def _new_lead_time_zone(row: BoothRow) -> str:
    """The zone a lead made from this row alone gets (as Lead.fill_time_zone derives
    it from the phone, country and region the row fills): worked out with the
    cleaning, off the writing process's path."""
    return row.profile.get("time_zone") or derive_time_zone(
        phone=row.phone.e164 if row.phone else "",
        country=row.profile.get("country", ""),
        region=row.profile.get("region", ""),
    )


def _count(batch: list[tuple[Row, BoothRow | RowProblem]], result: ImportResult) -> list[BoothRow]:
    """The usable rows; the others, and the warnings, go in the result."""
    cleaned = []
    for row, outcome in batch:
        result.rows += 1
        if isinstance(outcome, RowProblem):
            result.invalid += 1
            result.problems.append(outcome)
            continue
        cleaned.append(outcome)
        result.warnings += len(outcome.warnings)
        for warning in outcome.warnings:
            if len(result.warning_rows) < WARNING_ROWS:
                result.warning_rows.append(warning.as_dict() | {"cells": row.cells})
    return cleaned
