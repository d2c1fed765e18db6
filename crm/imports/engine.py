"""A booth list into the CRM: rows → leads and booth visits, in batches.

Each batch costs a handful of queries, whatever its size: one LeadIndex load
(who is who, by the same rule as every other way in), one look at the matched
leads' history (already engaged? already recorded at this event?), then bulk
inserts (crm.bulk: COPY on PostgreSQL, with ids reserved first) and updates.
The whole import is one transaction: a crash or a killed worker leaves the
database as it was. A dry run does everything, then rolls back.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm.bulk import TableWriter, reserve_ids
from crm.dedupe import LeadIndex
from crm.imports.files import Row
from crm.imports.rows import BoothRow, RowProblem, clean_row
from crm.models import LEAD_PROFILE_FIELDS, Campaign, Interaction, Lead, LeadImport, User

BATCH_ROWS = 2000
# What matching and filling blanks read of an existing lead; nothing else is loaded.
MATCH_FIELDS = ("email", "phone", "phone_raw", "phone_ext", *LEAD_PROFILE_FIELDS)
SAMPLE_ROWS = 10
CONFLICT_ROWS = 500  # rows whose differing values the report lists (all are counted)
# What an earlier interaction must be for a matched lead to count as already engaged.
HIGH_INTENT_KINDS = frozenset(
    {
        Interaction.Kind.CONTENT_DOWNLOAD,
        Interaction.Kind.WEB_VISIT,
        Interaction.Kind.BOOTH_VISIT,
        Interaction.Kind.MEETING,
        Interaction.Kind.CART_ABANDONED,
    }
)


@dataclass(frozen=True)
class ImportSpec:
    campaign: Campaign
    header: list[str]
    mapping: dict[int, str]
    default_country: str = ""
    user: User | None = None
    lead_import: LeadImport | None = None


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    invalid: int = 0
    engaged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    conflicts: int = 0  # rows that offered another value for a field the lead had
    conflict_rows: list[dict] = field(default_factory=list)  # the first CONFLICT_ROWS


def import_booth_rows(
    rows: Iterable[Row],
    spec: ImportSpec,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    writer = _BoothListWriter(spec)
    with transaction.atomic():
        _one_import_at_a_time()
        for batch in _batches(rows, BATCH_ROWS):
            writer.write(_clean(batch, spec, writer.result))
            if progress:
                progress(writer.result.rows)
        if dry_run:
            transaction.set_rollback(True)
    return writer.result


def _one_import_at_a_time() -> None:
    """Two imports of overlapping lists must not both create the same person."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('crm.lead_import'))")


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _clean(batch: list[Row], spec: ImportSpec, result: ImportResult) -> list[BoothRow]:
    cleaned = []
    for row in batch:
        outcome = clean_row(
            row.number,
            row.cells,
            header=spec.header,
            mapping=spec.mapping,
            default_country=spec.default_country,
        )
        result.rows += 1
        if isinstance(outcome, RowProblem):
            result.invalid += 1
            result.problems.append(outcome)
        else:
            cleaned.append(outcome)
    return cleaned


class _BoothListWriter:
    """Turns batches of clean rows into leads and one booth visit per person."""

    def __init__(self, spec: ImportSpec):
        self.spec = spec
        self.result = ImportResult()
        self.now = timezone.now()
        self.visited_at = _event_time(spec.campaign, self.now)
        # Ids only, so memory stays flat however long the list is.
        self.seen_leads: set[int] = set()  # every lead this import has met so far
        self.visit_ids: dict[int, int] = {}  # lead id -> the booth visit this import recorded
        self.created: set[int] = set()  # the leads this import created
        self.filled: dict[int, dict[str, str]] = {}  # existing lead id -> {field: value filled}
        self.lead_table = TableWriter(Lead, with_pk=True)
        self.visit_table = TableWriter(Interaction, with_pk=True)

    def write(self, rows: list[BoothRow]) -> None:
        index = LeadIndex.load([(row.email, row.phone) for row in rows], only=MATCH_FIELDS)
        batch = _Batch()
        for row in rows:
            self._take(row, index, batch)
        _insert(self.lead_table, batch.new_leads)
        self.created.update(lead.pk for lead in batch.new_leads)
        self._look_at_history(batch)
        self._save(batch)

    def _take(self, row: BoothRow, index: LeadIndex, batch: "_Batch") -> None:
        lead = index.find(email=row.email, phone=row.phone)
        if lead is None:
            lead = self._new_lead(row)
            batch.new_leads.append(lead)
            self.result.created += 1
            match = "new"
        else:
            match = self._match(lead, batch)
            self._fill(lead, row, batch)
        index.add(lead)
        batch.rows.append((row, lead, match))

    def _fill(self, lead: Lead, row: BoothRow, batch: "_Batch") -> None:
        self._note_conflicts(lead, row)
        changed = lead.fill_blanks(email=row.email, phone=row.phone, profile=row.profile)
        if not lead.time_zone:
            lead.fill_time_zone()
            changed |= {"time_zone"} if lead.time_zone else set()
        if changed and lead.pk is not None:
            batch.changed_fields |= changed
            batch.changed_leads[lead.pk] = lead
            # What this import filled, so that undoing it can empty them again.
            self.filled.setdefault(lead.pk, {}).update(
                (name, getattr(lead, name)) for name in changed
            )

    def _note_conflicts(self, lead: Lead, row: BoothRow) -> None:
        """The row's values that differ from what the lead has: the lead keeps its
        own (an import fills blanks, never overwrites), and the report lists them
        for someone to check."""
        differing = value_conflicts(lead, row)
        if not differing:
            return
        self.result.conflicts += 1
        if len(self.result.conflict_rows) < CONFLICT_ROWS:
            self.result.conflict_rows.append(
                {"row": row.number, "lead": lead.pk, "name": lead.display_name, "fields": differing}
            )

    def _new_lead(self, row: BoothRow) -> Lead:
        lead = Lead(
            source_campaign=self.spec.campaign,
            created_at=self.now,
            last_activity_at=self.visited_at,
        )
        lead.fill_blanks(email=row.email, phone=row.phone, profile=row.profile)
        lead.fill_time_zone()
        return lead

    def _match(self, lead: Lead, batch: "_Batch") -> str:
        """'update' the first time an existing lead turns up; 'duplicate' after that."""
        if lead.pk is None or lead.pk in self.seen_leads or lead.pk in batch.matched:
            self.result.duplicates += 1
            return "duplicate"
        batch.matched.add(lead.pk)
        self.result.updated += 1
        return "update"

    def _look_at_history(self, batch: "_Batch") -> None:
        """Which matched leads were already engaged, and which were already recorded
        at this event (a list imported twice records each visit once)."""
        # Kinds are sorted out here: filtering on them too can lead the database to scan
        # every interaction of those kinds instead of only these leads' few.
        history = Interaction.objects.filter(lead_id__in=batch.matched).values_list(
            "lead_id", "kind", "campaign_id"
        )
        for lead_id, kind, campaign_id in history:
            if kind not in HIGH_INTENT_KINDS:
                continue
            if kind == Interaction.Kind.BOOTH_VISIT and campaign_id == self.spec.campaign.pk:
                batch.visited.add(lead_id)
            else:
                batch.engaged.add(lead_id)
        self.result.engaged += len(batch.engaged)

    def _save(self, batch: "_Batch") -> None:
        earlier = self._earlier_visits(batch)
        new_visits: dict[int, Interaction] = {}
        grown: dict[int, Interaction] = {}
        for row, lead, match in batch.rows:
            if lead.pk in new_visits:
                _add_row_to_visit(new_visits[lead.pk], row)
            elif lead.pk in self.visit_ids:
                visit = earlier[self.visit_ids[lead.pk]]
                _add_row_to_visit(visit, row)
                grown[visit.pk] = visit
            elif lead.pk not in batch.visited:
                new_visits[lead.pk] = self._visit(row, lead, engaged=lead.pk in batch.engaged)
            self._sample(row, lead, match, engaged=lead.pk in batch.engaged)
            self.seen_leads.add(lead.pk)
        if batch.changed_leads:
            Lead.objects.bulk_update(
                batch.changed_leads.values(), sorted(batch.changed_fields), batch_size=500
            )
        for visit in (*new_visits.values(), *grown.values()):
            self._note_changes(visit)
        _insert(self.visit_table, list(new_visits.values()))
        self.visit_ids.update((lead_pk, visit.pk) for lead_pk, visit in new_visits.items())
        Interaction.objects.bulk_update(grown.values(), ["notes", "data"], batch_size=500)
        Lead.objects.filter(
            Q(pk__in=batch.matched) & Q(last_activity_at__lt=self.visited_at)
        ).update(last_activity_at=self.visited_at)

    def _note_changes(self, visit: Interaction) -> None:
        """What the import did to the visit's lead, for an undo: created it, or
        filled some of its empty fields (with the values, as they were written)."""
        if visit.lead_id in self.created:
            visit.data["created_lead"] = True
        elif visit.lead_id in self.filled:
            visit.data["filled"] = self.filled[visit.lead_id]

    def _earlier_visits(self, batch: "_Batch") -> dict[int, Interaction]:
        """The visits earlier batches recorded for people this batch meets again."""
        ids = {self.visit_ids[lead.pk] for _, lead, _ in batch.rows if lead.pk in self.visit_ids}
        return Interaction.objects.in_bulk(ids) if ids else {}

    def _visit(self, row: BoothRow, lead: Lead, *, engaged: bool) -> Interaction:
        data = {"rows": [row.number], "rating": row.rating, "notes": row.notes, "extra": row.extra}
        if engaged:
            data["already_engaged"] = True
        return Interaction(
            lead=lead,
            kind=Interaction.Kind.BOOTH_VISIT,
            occurred_at=self.visited_at,
            campaign=self.spec.campaign,
            notes=row.notes,
            data={key: value for key, value in data.items() if value},
            user=self.spec.user,
            source="import",
            lead_import=self.spec.lead_import,
            created_at=self.now,
        )

    def _sample(self, row: BoothRow, lead: Lead, match: str, *, engaged: bool) -> None:
        if len(self.result.samples) < SAMPLE_ROWS:
            self.result.samples.append(
                {
                    "row": row.number,
                    "name": lead.full_name,
                    "email": lead.email,
                    "phone": lead.phone,
                    "company": lead.company,
                    "country": lead.country,
                    "match": match,
                    "engaged": engaged,
                }
            )


@dataclass
class _Batch:
    rows: list[tuple[BoothRow, Lead, str]] = field(default_factory=list)
    new_leads: list[Lead] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)  # existing leads met for the first time
    changed_leads: dict[int, Lead] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    engaged: set[int] = field(default_factory=set)
    visited: set[int] = field(default_factory=set)


def value_conflicts(lead: Lead, row: BoothRow) -> list[dict]:
    """Each field where the lead and the row both have a value and they differ
    (ignoring case and spacing), as {"field", "kept", "offered"}."""
    offered = {"email": row.email, "phone": row.phone.e164 if row.phone else "", **row.profile}
    return [
        {"field": name, "kept": kept, "offered": value}
        for name in ("email", "phone", *LEAD_PROFILE_FIELDS)
        if (value := offered.get(name))
        and (kept := getattr(lead, name))
        and _comparable(kept) != _comparable(value)
    ]


def _comparable(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _insert(table: TableWriter, objects: list) -> None:
    for obj, pk in zip(objects, reserve_ids(table.model, len(objects)), strict=True):
        obj.pk = pk
    table.insert_objects(objects)


def _add_row_to_visit(visit: Interaction, row: BoothRow) -> None:
    """The same person on two rows: one visit, with both rows' notes."""
    visit.data.setdefault("rows", []).append(row.number)
    if row.notes and row.notes not in visit.notes:
        visit.notes = f"{visit.notes}\n{row.notes}".strip()
        visit.data["notes"] = visit.notes


def _event_time(campaign: Campaign, now: dt.datetime) -> dt.datetime:
    """When the booth visits happened: midday of the event's first day, if it has passed."""
    if campaign.starts_on is None:
        return now
    midday = dt.datetime.combine(campaign.starts_on, dt.time(12), tzinfo=dt.UTC)
    return min(midday, now)
