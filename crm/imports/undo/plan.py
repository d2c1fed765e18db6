"""What undoing a booth-list import would do, lead by lead: who stays and why,
who loses what, who is deleted. The dry run and the undo share this plan (see
crm.imports.undo)."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import capfirst

from crm.bulk import batches
from crm.models import ContactPoint, Interaction, Lead, LeadImport
from crm.services import PHONE_FIELDS

Status = LeadImport.Status
Kind = Interaction.Kind
HoldFinder = Callable[..., dict[int, str]]
_hold_finders: list[HoldFinder] = []


BATCH = 1000  # ids per statement (SQLite allows 32,766 parameters)


SHOWN = 500  # leads listed by name, on the page and in the report


# What makes the phone the import filled the same one: the number as written may
# differ (a lead form saves it as typed again).
PHONE_IDENTITY = frozenset({"phone", "phone_ext"})


LEAD_FIELDS = frozenset(field.name for field in Lead._meta.concrete_fields)


NAME_FIELDS = ("first_name", "last_name", "email", "phone")  # what Lead.display_name reads

HoldFinder = Callable[..., dict[int, str]]
_hold_finders: list[HoldFinder] = []


def register_hold(finder: HoldFinder) -> None:
    """A higher app's reasons to leave leads as they are, registered from its
    AppConfig.ready: finder(leads=<QuerySet of the import's leads>) returns
    {lead id: why, in words}."""
    if finder not in _hold_finders:
        _hold_finders.append(finder)


@dataclass(frozen=True)
class KeptLead:
    lead_id: int
    name: str
    why: str


@dataclass(frozen=True)
class UpdatedLead:
    lead_id: int
    name: str
    visit_ids: tuple[int, ...]
    # The fields the import filled that still hold what it wrote ("phone" for its
    # three fields), to empty; and those changed since, which keep the change.
    emptied: tuple[str, ...]
    edited: tuple[str, ...]


@dataclass(frozen=True)
class UndoPlan:
    deleted: list[int]  # the leads the import created
    updated: list[UpdatedLead]  # the leads that existed
    kept: list[KeptLead]  # by name
    contact_points: list[int]  # the emails and phones the import added to the updated leads

    def summary(self) -> dict:
        """What the undo does (or did: LeadImport.undo_report), as the page shows it."""
        edited = [lead for lead in self.updated if lead.edited]
        return {
            "deleted": len(self.deleted),
            "updated": len(self.updated),
            "fields_emptied": sum(len(lead.emptied) for lead in self.updated),
            "contacts_removed": len(self.contact_points),
            "kept": len(self.kept),
            "kept_leads": [
                {"lead": lead.lead_id, "name": lead.name, "why": lead.why}
                for lead in self.kept[:SHOWN]
            ],
            "edited": len(edited),
            "edited_leads": [
                {"lead": lead.lead_id, "name": lead.name, "fields": _labels(lead.edited)}
                for lead in edited[:SHOWN]
            ],
        }


def lead_import_undo_plan(*, lead_import: LeadImport) -> UndoPlan:
    """The dry run: what undoing the import would do to each of its leads, and why
    the leads that stay stay. Reads only."""
    visits = _visits_by_lead(lead_import)
    reasons = _reasons_to_stay(lead_import, visits)
    created = [pk for pk, lead in visits.items() if lead.created and pk not in reasons]
    existing = [pk for pk, lead in visits.items() if not lead.created and pk not in reasons]
    return UndoPlan(
        deleted=sorted(created),
        updated=_updated_leads(existing, visits),
        kept=_kept_leads(reasons),
        contact_points=_contact_points_added(lead_import, existing),
    )


@dataclass
class _LeadVisits:
    visit_ids: list[int]
    created: bool
    filled: dict[str, str]
    written_at: dt.datetime  # when the import wrote the visit


def leads_of(lead_import: LeadImport) -> QuerySet:
    return Interaction.objects.filter(lead_import=lead_import).values("lead_id")


def _visits_by_lead(lead_import: LeadImport) -> dict[int, _LeadVisits]:
    """The import's visits, by the lead each is on now (a merge may have moved one),
    with what the import did to that lead (the engine notes it on the visit)."""
    rows = Interaction.objects.filter(lead_import=lead_import).values_list(
        "pk",
        "lead_id",
        "created_at",
        "data__created_lead",
        "data__filled",
        "lead__created_at",
        "lead__source_campaign_id",
        "campaign_id",
    )
    leads: dict[int, _LeadVisits] = {}
    for pk, lead_id, written_at, created_lead, filled, *origin in rows:
        lead = leads.setdefault(lead_id, _LeadVisits([], False, {}, written_at))
        lead.visit_ids.append(pk)
        lead.created |= bool(created_lead) or (
            created_lead is None and filled is None and _made_with(written_at, *origin)
        )
        lead.filled.update(filled or {})
    return leads


def _made_with(
    written_at: dt.datetime, created_at: dt.datetime, source_campaign: int | None, campaign: int
) -> bool:
    """Whether a lead was made by the import that wrote a visit written before the
    engine noted "created_lead" on its visits: it has the visit's own creation
    time and came from its event."""
    return created_at == written_at and source_campaign == campaign


def _reasons_to_stay(lead_import: LeadImport, visits: dict[int, _LeadVisits]) -> dict[int, str]:
    """Lead id -> why it stays as it is, in words, for the leads something newer
    than the import happened to."""
    if not visits:
        return {}
    written_at = min(lead.written_at for lead in visits.values())
    found: dict[int, list[tuple[dt.datetime, str]]] = {}
    for lead_id, when, what in (
        *_newer_interactions(lead_import, written_at),
        *_newer_contact_points(lead_import, written_at),
        *_hand_edits(lead_import, visits),
        *_holds(lead_import),
    ):
        found.setdefault(lead_id, []).append((when, what))
    return {lead_id: _in_words(sorted(things)) for lead_id, things in found.items()}


def _in_words(things: list[tuple[dt.datetime, str]]) -> str:
    """The first thing that happened, and how many more."""
    first = things[0][1]
    more = len(things) - 1
    if more:
        first += f" (and {more} more thing{'s' if more > 1 else ''} since)"
    return first


def _newer_interactions(
    lead_import: LeadImport, written_at: dt.datetime
) -> Iterator[tuple[int, dt.datetime, str]]:
    finished_at = lead_import.finished_at or written_at
    newer = (
        Interaction.objects.filter(lead_id__in=leads_of(lead_import))
        .exclude(lead_import=lead_import)
        .filter(Q(created_at__gt=written_at) | Q(occurred_at__gt=finished_at))
        .values_list(
            "lead_id",
            "kind",
            "occurred_at",
            "created_at",
            "user__first_name",
            "user__last_name",
            "user__username",
            "campaign__name",
            "lead_import_id",
            "data__merged_lead_id",
        )
    )
    for lead_id, kind, occurred_at, created_at, first, last, username, *about in newer:
        when = occurred_at if occurred_at > finished_at else created_at
        who = f"{first or ''} {last or ''}".strip() or username or ""
        yield lead_id, when, f"{_what_happened(kind, who, *about)} on {day_in_words(when)}"


# What happened, said with who did it, then without.
DONE_BY = {
    Kind.CALL: "logged a call",
    Kind.MEETING: "logged a meeting",
    Kind.NOTE: "wrote a note",
    Kind.EMAIL_SENT: "sent an email",
}


HAPPENED = {
    Kind.CALL: "a call was logged",
    Kind.MEETING: "a meeting was logged",
    Kind.NOTE: "a note was written",
    Kind.EMAIL_SENT: "an email was sent",
    Kind.EMAIL_OPENED: "they opened an email",
    Kind.EMAIL_CLICKED: "they clicked a link in an email",
    Kind.EMAIL_REPLIED: "they replied to an email",
    Kind.EMAIL_BOUNCED: "an email to them bounced",
    Kind.LETTER_MAILED: "a letter was mailed to them",
    Kind.LETTER_RETURNED: "a letter to them came back",
    Kind.WEB_VISIT: "they visited the website",
    Kind.CONTENT_DOWNLOAD: "they downloaded content",
    Kind.PURCHASE: "they bought from us",
}


def _what_happened(
    kind: str, who: str, campaign: str | None, import_id: int | None, merged_lead: int | None
) -> str:
    if merged_lead:
        return (
            f"{who} merged it with lead #{merged_lead}"
            if who
            else f"merged with lead #{merged_lead}"
        )
    if kind == Kind.BOOTH_VISIT:
        where = f"a booth visit at {campaign or 'an event'}"
        return f"import #{import_id} recorded {where}" if import_id else f"{where} was recorded"
    if who and kind in DONE_BY:
        return f"{who} {DONE_BY[kind]}"
    if kind in HAPPENED:
        return HAPPENED[kind]
    return f"“{Kind(kind).label}” was recorded" + (f" by {who}" if who else "")


def _newer_contact_points(
    lead_import: LeadImport, written_at: dt.datetime
) -> Iterator[tuple[int, dt.datetime, str]]:
    added = (
        ContactPoint.objects.filter(lead_id__in=leads_of(lead_import), created_at__gt=written_at)
        .exclude(lead_import=lead_import)
        .values_list("lead_id", "created_at", "kind", "value")
    )
    for lead_id, created_at, kind, value in added:
        yield lead_id, created_at, f"the {kind} {value} was added on {day_in_words(created_at)}"


def _hand_edits(
    lead_import: LeadImport, visits: dict[int, _LeadVisits]
) -> Iterator[tuple[int, dt.datetime, str]]:
    """Leads the import created, changed by hand since (see the module's docstring)."""
    if lead_import.finished_at is None:
        return
    edited = Lead.objects.filter(
        pk__in=leads_of(lead_import), updated_at__gt=lead_import.finished_at
    ).values_list("pk", "updated_at")
    for lead_id, updated_at in edited:
        if lead_id in visits and visits[lead_id].created:
            yield lead_id, updated_at, f"the lead was edited on {day_in_words(updated_at)}"


def _holds(lead_import: LeadImport) -> Iterator[tuple[int, dt.datetime, str]]:
    now = timezone.now()
    leads = Lead.objects.filter(pk__in=leads_of(lead_import))
    for finder in _hold_finders:
        for lead_id, why in finder(leads=leads).items():
            yield lead_id, now, why


def _contact_points_added(lead_import: LeadImport, lead_ids: list[int]) -> list[int]:
    points = ContactPoint.objects.filter(lead_import=lead_import)
    return [
        pk
        for chunk in batches(lead_ids, BATCH)
        for pk in points.filter(lead_id__in=chunk).values_list("pk", flat=True)
    ]


def _updated_leads(ids: list[int], visits: dict[int, _LeadVisits]) -> list[UpdatedLead]:
    """The leads that existed, with the fields the import filled: still as it wrote
    them (to empty) or changed since (to keep)."""
    fields = {name for pk in ids for name in visits[pk].filled} & LEAD_FIELDS
    updated = []
    for chunk in batches(sorted(ids), BATCH):
        for lead in Lead.objects.filter(pk__in=chunk).only(*NAME_FIELDS, *fields):
            emptied, edited = _filled_now(lead, visits[lead.pk].filled)
            updated.append(
                UpdatedLead(
                    lead_id=lead.pk,
                    name=lead.display_name,
                    visit_ids=tuple(visits[lead.pk].visit_ids),
                    emptied=emptied,
                    edited=edited,
                )
            )
    return updated


def _filled_now(lead: Lead, filled: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(fields still as the import filled them, fields changed since and not empty);
    the phone's number, as written and extension, count as one field, "phone"."""
    groups: dict[str, dict[str, str]] = {}
    for name, value in filled.items():
        if name in LEAD_FIELDS:
            groups.setdefault("phone" if name in PHONE_FIELDS else name, {})[name] = value
    emptied, edited = [], []
    for group, values in groups.items():
        compared = {n: v for n, v in values.items() if group != "phone" or n in PHONE_IDENTITY}
        if all(getattr(lead, name) == value for name, value in compared.items()):
            emptied.append(group)
        elif any(getattr(lead, name) for name in values):
            edited.append(group)
    return tuple(emptied), tuple(edited)


def _kept_leads(reasons: dict[int, str]) -> list[KeptLead]:
    kept = []
    for chunk in batches(sorted(reasons), BATCH):
        for lead in Lead.objects.filter(pk__in=chunk).only(*NAME_FIELDS):
            kept.append(KeptLead(lead_id=lead.pk, name=lead.display_name, why=reasons[lead.pk]))
    return sorted(kept, key=lambda lead: (lead.name.casefold(), lead.lead_id))


def _labels(fields: Iterable[str]) -> list[str]:
    return [str(capfirst(Lead._meta.get_field(name).verbose_name)) for name in fields]


def day_in_words(moment: dt.datetime | None) -> str:
    return format_date(timezone.localtime(moment), "j M Y") if moment else "an unknown day"
