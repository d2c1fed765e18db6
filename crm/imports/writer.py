"""A batch of clean booth-list rows into the CRM: each row matched to its lead
(LeadIndex), new leads inserted, blanks filled and conflicting values noted,
the rows' other emails and phones kept as ContactPoints, and one booth visit a
person, which the rows of later batches about the same person join (SeenLeads).
What the import was asked (ImportSpec) and what it did (ImportResult) are here."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from crm.bulk import TableWriter, reserve_ids
from crm.dedupe import Contact, LeadIndex
from crm.imports.rows import BoothRow, RowContact, RowProblem
from crm.imports.seen import SeenLeads
from crm.imports.visits import event_time, event_zone, scan_time, visit_add_row, visit_data
from crm.models import (
    LEAD_PROFILE_FIELDS,
    Campaign,
    ContactPoint,
    Interaction,
    Lead,
    LeadImport,
    User,
)
from crm.prepared import blank_instance

# What matching and filling blanks read of an existing lead; nothing else is loaded.
MATCH_FIELDS = ("email", "phone", "phone_raw", "phone_ext", "other_contacts", *LEAD_PROFILE_FIELDS)
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
    warnings: int = 0  # things on imported rows that couldn't be used as written
    warning_rows: list[dict] = field(default_factory=list)  # the first WARNING_ROWS, with cells
    contact_points: int = 0  # other emails and phones kept on leads


class BoothListWriter:
    """Turns batches of clean rows into leads and one booth visit per person."""

    def __init__(self, spec: ImportSpec):
        self.spec = spec
        self.result = ImportResult()
        self.now = timezone.now()
        self.visited_at = event_time(spec.campaign, self.now)
        self.zone = event_zone(spec.campaign)
        # Every lead this import has met so far, with the visit it recorded, lives in a
        # temporary table, not in this process: memory stays flat however long the list.
        self.seen = SeenLeads()
        self.blank_lead = blank_instance(Lead, source_campaign=spec.campaign, created_at=self.now)
        self.lead_table = TableWriter(Lead, with_pk=True)
        self.visit_table = TableWriter(Interaction, with_pk=True)
        self.point_table = TableWriter(ContactPoint, with_pk=False)

    def write(self, rows: list[BoothRow]) -> None:
        index = LeadIndex.load(map(_contact, rows), only=MATCH_FIELDS)
        batch = _Batch(seen=self.seen.among(index.by_pk))
        for row in rows:
            self._take(row, index, batch)
        _insert(self.lead_table, batch.new_leads)
        batch.created.update(lead.pk for lead in batch.new_leads)
        self._keep_other_contacts(batch)
        self._look_at_history(batch)
        self._save(batch)

    def _take(self, row: BoothRow, index: LeadIndex, batch: "_Batch") -> None:
        lead = index.find(_contact(row))
        if lead is None:
            lead = self._new_lead(row)
            batch.new_leads.append(lead)
            self.result.created += 1
            match = "new"
        else:
            match = self._match(lead, batch)
            self._fill(lead, row, batch)
        index.add(lead)
        self._note_other_contacts(lead, row, index, batch)
        batch.rows.append((row, lead, match))

    def _note_other_contacts(
        self, lead: Lead, row: BoothRow, index: LeadIndex, batch: "_Batch"
    ) -> None:
        """The row's emails and phones that are not yet the lead's become its other
        contacts, so nothing the row gave is lost and the next list matches them."""
        for contact in row.contacts:
            if _is_main(lead, contact) or index.has_other(lead, contact.kind, contact.value):
                continue
            index.add_other(lead, contact.kind, contact.value)
            batch.new_points.append((lead, contact))
            lead.other_contacts = f"{lead.other_contacts} {contact.value}".strip()
            if lead.pk is not None:
                batch.changed_fields.add("other_contacts")
                batch.changed_leads[lead.pk] = lead

    def _keep_other_contacts(self, batch: "_Batch") -> None:
        points = [
            ContactPoint(
                lead_id=lead.pk,
                kind=contact.kind,
                value=contact.value,
                raw=contact.raw,
                extension=contact.extension,
                label=contact.label,
                lead_import=self.spec.lead_import,
                created_at=self.now,
            )
            for lead, contact in batch.new_points
        ]
        self.point_table.insert_objects(points)
        self.result.contact_points += len(points)

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
            batch.filled.setdefault(lead.pk, {}).update(
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
        lead = self.blank_lead()
        lead.last_activity_at = scan_time(row, self.zone) or self.visited_at
        lead.fill_blanks(email=row.email, phone=row.phone, profile=row.profile)
        lead.time_zone = row.new_lead_time_zone  # a blank lead has no phone, place or zone
        return lead

    def _match(self, lead: Lead, batch: "_Batch") -> str:
        """'update' the first time an existing lead turns up; 'duplicate' after that."""
        if lead.pk is None or lead.pk in batch.seen or lead.pk in batch.matched:
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
        history = Interaction.objects.filter(lead_id__any=batch.matched).values_list(
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
        new_visits: dict[int, _NewVisit] = {}
        grown: dict[int, Interaction] = {}
        for row, lead, match in batch.rows:
            if lead.pk in new_visits:
                visit_add_row(new_visits[lead.pk], row, self.zone)
            elif batch.seen.get(lead.pk):
                visit = earlier[batch.seen[lead.pk]]
                visit_add_row(visit, row, self.zone)
                grown[visit.pk] = visit
            elif lead.pk not in batch.visited:
                new_visits[lead.pk] = self._visit(row, lead, engaged=lead.pk in batch.engaged)
            self._sample(row, lead, match, engaged=lead.pk in batch.engaged)
        if batch.changed_leads:
            Lead.objects.bulk_update(
                batch.changed_leads.values(), sorted(batch.changed_fields), batch_size=500
            )
        for visit in (*new_visits.values(), *grown.values()):
            _note_changes(visit, batch)
        self._insert_visits(list(new_visits.values()))
        met = {lead.pk for _, lead, _ in batch.rows} - batch.seen.keys()
        self.seen.add(dict.fromkeys(met) | {pk: v.pk for pk, v in new_visits.items()})
        Interaction.objects.bulk_update(
            grown.values(), ["notes", "data", "occurred_at"], batch_size=500
        )
        self._move_last_activity(batch, new_visits)

    def _move_last_activity(self, batch: "_Batch", new_visits: dict[int, "_NewVisit"]) -> None:
        """The matched leads' last activity moves up to their visit: in one statement,
        unless scan times give the visits times of their own."""
        scanned = {
            lead_pk: visit.occurred_at
            for lead_pk, visit in new_visits.items()
            if lead_pk in batch.matched and visit.occurred_at != self.visited_at
        }
        Lead.objects.filter(
            Q(pk__any=batch.matched - scanned.keys()) & Q(last_activity_at__lt=self.visited_at)
        ).update(last_activity_at=self.visited_at)
        for lead_pk, occurred_at in scanned.items():
            Lead.objects.filter(pk=lead_pk, last_activity_at__lt=occurred_at).update(
                last_activity_at=occurred_at
            )

    def _earlier_visits(self, batch: "_Batch") -> dict[int, Interaction]:
        """The visits earlier batches recorded for people this batch meets again."""
        ids = {batch.seen[lead.pk] for _, lead, _ in batch.rows if batch.seen.get(lead.pk)}
        return Interaction.objects.in_bulk(ids) if ids else {}

    def _visit(self, row: BoothRow, lead: Lead, *, engaged: bool) -> "_NewVisit":
        data = visit_data(row, self.zone)
        if engaged:
            data["already_engaged"] = True
        occurred_at = scan_time(row, self.zone) or self.visited_at
        return _NewVisit(lead_id=lead.pk, occurred_at=occurred_at, notes=row.notes, data=data)

    def _insert_visits(self, visits: list["_NewVisit"]) -> None:
        """One row a visit, with what every visit of this import shares."""
        shared = {
            "kind": Interaction.Kind.BOOTH_VISIT,
            "campaign_id": self.spec.campaign.pk,
            "user_id": self.spec.user.pk if self.spec.user else None,
            "source": "import",
            "lead_import_id": self.spec.lead_import.pk if self.spec.lead_import else None,
            "created_at": self.now,
        }
        for visit, pk in zip(visits, reserve_ids(Interaction, len(visits)), strict=True):
            visit.id = pk
        self.visit_table.insert([shared | vars(visit) for visit in visits])

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
class _NewVisit:
    """A booth visit on its way in: what differs from visit to visit (an Interaction
    instance a row would cost the import more than the row itself)."""

    lead_id: int
    occurred_at: dt.datetime
    notes: str
    data: dict
    id: int | None = None  # reserved just before the insert

    @property
    def pk(self) -> int | None:
        return self.id


def _note_changes(visit: Interaction, batch: "_Batch") -> None:
    """What the import did to the visit's lead, for an undo: created it, or filled
    some of its empty fields (with the values, as they were written). A visit an
    earlier batch recorded already holds what was filled then: this batch adds to it."""
    if visit.lead_id in batch.created or visit.data.get("created_lead"):
        visit.data["created_lead"] = True
    elif visit.lead_id in batch.filled:
        visit.data["filled"] = visit.data.get("filled", {}) | batch.filled[visit.lead_id]


@dataclass
class _Batch:
    seen: dict[int, int | None]  # leads earlier batches met -> the visit recorded, if any
    created: set[int] = field(default_factory=set)  # the leads this batch created
    filled: dict[int, dict[str, str]] = field(default_factory=dict)  # lead id -> {field: value}
    rows: list[tuple[BoothRow, Lead, str]] = field(default_factory=list)
    new_leads: list[Lead] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)  # existing leads met for the first time
    changed_leads: dict[int, Lead] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    engaged: set[int] = field(default_factory=set)
    visited: set[int] = field(default_factory=set)
    new_points: list[tuple[Lead, RowContact]] = field(default_factory=list)


def _contact(row: BoothRow) -> Contact:
    return Contact(
        emails=[c.value for c in row.contacts if c.kind == ContactPoint.Kind.EMAIL],
        phones=[c.value for c in row.contacts if c.kind == ContactPoint.Kind.PHONE],
    )


def _is_main(lead: Lead, contact: RowContact) -> bool:
    if contact.kind == ContactPoint.Kind.EMAIL:
        return contact.value == lead.email.lower()
    return contact.value == lead.phone


def value_conflicts(lead: Lead, row: BoothRow) -> list[dict]:
    """Each profile field where the lead and the row both have a value and they
    differ (ignoring case and spacing), as {"field", "kept", "offered"}. Emails
    and phones are not among them: another one is kept as an other contact."""
    return [
        {"field": name, "kept": kept, "offered": value}
        for name in LEAD_PROFILE_FIELDS
        if (value := row.profile.get(name))
        and (kept := getattr(lead, name))
        and _comparable(kept) != _comparable(value)
    ]


def _comparable(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def _insert(table: TableWriter, objects: list) -> None:
    for obj, pk in zip(objects, reserve_ids(table.model, len(objects)), strict=True):
        obj.pk = pk
    table.insert_objects(objects)
