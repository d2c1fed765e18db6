"""Undoing a booth-list import, for IMPORT_UNDO_DAYS after it finished, for the
leads nothing else has happened to since.

Lead by lead (every lead with a booth visit of the import), the rule is:

- A lead stays exactly as it is when anything newer than the import is on it:
  an interaction other than the import's own visit, recorded since the import
  wrote its visits or dated after it finished (a call logged, an email sent, a
  web visit, another import's booth visit dated at an event's first day, a
  merge's note: a lead merged into another has taken its visit there); an
  email or phone added to it since by another way in; something a higher app
  holds it for (register_hold: a letter in an open print run); and, for a lead
  the import created, a change by hand: its updated_at, which only Lead.save()
  moves (the lead form, the API, a merge). Owners given after the import, by
  the "assign them" step or by a follow-up rule, are written with UPDATE
  statements and leave updated_at alone: handing a list out is part of
  importing it, and must not keep it from being undone.
- Otherwise a lead the import created is deleted; what hangs on it goes with
  it by cascade (its touches, enrolments, outbox emails, contact points, print
  run lines), after its audience memberships are taken out so that the
  audiences' member counts stay right.
- Otherwise a lead that existed loses the import's visit, the emails and phones
  the import added, and each empty field the import filled that still holds
  the value the import wrote (a field changed since keeps the change). What
  followed from the visit stops (crm.interaction_hooks.run_withdrawn: open
  touches are cancelled, drip enrolments stopped with their unsent emails; sent
  ones stay), and its score and audiences are worked out again.

The dry run (lead_import_undo_plan) and the undo share one plan, so the page
promises what the undo does; the undo works the plan out again in its own
transaction, with the import and its leads locked, and does nothing twice.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import capfirst

from config.jobs import enqueue
from crm import interaction_hooks
from crm.audiences.services import audience_members_forget_many, audience_members_update_later
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.bulk import batches
from crm.imports.engine import one_import_at_a_time
from crm.models import ContactPoint, Interaction, Lead, LeadImport, User
from crm.scoring.services import scores_update
from crm.services import PHONE_FIELDS, lead_other_contacts_refresh

Status = LeadImport.Status
Kind = Interaction.Kind
BATCH = 1000  # ids per statement (SQLite allows 32,766 parameters)
SHOWN = 500  # leads listed by name, on the page and in the report
# How long the page says an undo is under way, at most: its job has the queue's
# 10 minutes, and a job that died must not keep the undo from being offered.
RUNNING_HINT_SECONDS = 15 * 60
JOBS = "crm.imports.jobs."  # by path: the jobs module imports this one
WITHDRAWN_REASON = "import undone"
# What makes the phone the import filled the same one: the number as written may
# differ (a lead form saves it as typed again).
PHONE_IDENTITY = frozenset({"phone", "phone_ext"})
LEAD_FIELDS = frozenset(field.name for field in Lead._meta.concrete_fields)
NAME_FIELDS = ("first_name", "last_name", "email", "phone")  # what Lead.display_name reads

HoldFinder = Callable[..., dict[int, str]]
_hold_finders: list[HoldFinder] = []


class UndoRefused(Exception):
    """The import can't be undone (not finished, undone already, too old): the message says why."""


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


@dataclass(frozen=True)
class UndoOffer:
    """Whether the result page offers the undo, until when, or why not; and
    whether an undo is under way."""

    until: dt.datetime | None
    refusal: str
    running: bool

    @property
    def allowed(self) -> bool:
        return not self.refusal


def undo_offer(lead_import: LeadImport, *, now: dt.datetime | None = None) -> UndoOffer:
    return UndoOffer(
        until=_deadline(lead_import),
        refusal=undo_refusal(lead_import, now=now),
        running=lead_import.status == Status.DONE and undo_running(lead_import),
    )


def undo_running(lead_import: LeadImport) -> bool:
    """An undo was asked for and its job hasn't finished: a hint kept in the cache,
    like an import's progress (the LeadImport row says what really happened)."""
    return cache.get(_running_key(lead_import.pk)) is not None


def undo_refusal(lead_import: LeadImport, *, now: dt.datetime | None = None) -> str:
    """Why the import can't be undone now, in words; "" when it can."""
    if lead_import.status == Status.UNDONE:
        return f"This import was undone on {_day(lead_import.undone_at)}."
    deadline = _deadline(lead_import)
    if lead_import.status != Status.DONE or deadline is None:
        return "Only an import that has finished can be undone."
    if (now or timezone.now()) >= deadline:
        return (
            f"An import can be undone for {settings.IMPORT_UNDO_DAYS} days after it finished; "
            f"this one finished on {_day(lead_import.finished_at)}."
        )
    return ""


def _deadline(lead_import: LeadImport) -> dt.datetime | None:
    if lead_import.finished_at is None:
        return None
    return lead_import.finished_at + dt.timedelta(days=settings.IMPORT_UNDO_DAYS)


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


def lead_import_undo_start(*, lead_import: LeadImport, by: User) -> None:
    """Queue the undo (a large list takes minutes). Raises UndoRefused when it
    can't be undone, or is being undone already."""
    refusal = undo_start_refusal(lead_import)
    if refusal:
        raise UndoRefused(refusal)
    cache.set(_running_key(lead_import.pk), by.pk, timeout=RUNNING_HINT_SECONDS)
    enqueue(JOBS + "lead_import_undo", lead_import.pk, by.pk, queue="imports")


def undo_start_refusal(lead_import: LeadImport) -> str:
    """Why an undo can't be asked for now, in words; "" when it can."""
    if undo_running(lead_import):
        return "This import is being undone."
    return undo_refusal(lead_import)


def lead_import_undo_queued(*, lead_import: LeadImport, by: User | None) -> None:
    """The queued undo. A job run twice, or one that found the import no longer
    undoable, does nothing; the page stops saying it is under way either way. The
    report's days are those of the manager who asked for it."""
    try:
        with timezone.override(by.time_zone if by else None):
            lead_import_undo(lead_import=lead_import, by=by)
    except UndoRefused:
        pass
    finally:
        cache.delete(_running_key(lead_import.pk))


def _running_key(pk: int) -> str:
    return f"crm:lead-import:{pk}:undo"


@transaction.atomic
def lead_import_undo(
    *, lead_import: LeadImport, by: User | None, now: dt.datetime | None = None
) -> UndoPlan:
    """Undo the import by its plan, in one transaction. Raises UndoRefused when it
    can't be undone (a second undo is refused: it has nothing left to do)."""
    now = now or timezone.now()
    lead_import = LeadImport.objects.select_for_update().defer("content").get(pk=lead_import.pk)
    refusal = undo_refusal(lead_import, now=now)
    if refusal:
        raise UndoRefused(refusal)
    one_import_at_a_time()  # an import running meanwhile could match a lead deleted here
    _lock_leads(lead_import)
    plan = lead_import_undo_plan(lead_import=lead_import)
    stopped = _undo_visits(plan, lead_import, now=now)
    _delete_leads(plan.deleted)
    lead_import.status, lead_import.undone_at, lead_import.undone_by = Status.UNDONE, now, by
    lead_import.undo_report = plan.summary() | {"stopped": sorted(stopped.items())}
    lead_import.save(update_fields=["status", "undone_at", "undone_by", "undo_report"])
    audit_record(
        action=AuditEntry.Action.IMPORT_UNDONE,
        by=by,
        subject=lead_import,
        data={"deleted": len(plan.deleted), "updated": len(plan.updated)},
    )
    return plan


@dataclass
class _LeadVisits:
    visit_ids: list[int]
    created: bool
    filled: dict[str, str]
    written_at: dt.datetime  # when the import wrote the visit


def _leads_of(lead_import: LeadImport) -> QuerySet:
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
        Interaction.objects.filter(lead_id__in=_leads_of(lead_import))
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
        yield lead_id, when, f"{_what_happened(kind, who, *about)} on {_day(when)}"


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
        ContactPoint.objects.filter(lead_id__in=_leads_of(lead_import), created_at__gt=written_at)
        .exclude(lead_import=lead_import)
        .values_list("lead_id", "created_at", "kind", "value")
    )
    for lead_id, created_at, kind, value in added:
        yield lead_id, created_at, f"the {kind} {value} was added on {_day(created_at)}"


def _hand_edits(
    lead_import: LeadImport, visits: dict[int, _LeadVisits]
) -> Iterator[tuple[int, dt.datetime, str]]:
    """Leads the import created, changed by hand since (see the module's docstring)."""
    if lead_import.finished_at is None:
        return
    edited = Lead.objects.filter(
        pk__in=_leads_of(lead_import), updated_at__gt=lead_import.finished_at
    ).values_list("pk", "updated_at")
    for lead_id, updated_at in edited:
        if lead_id in visits and visits[lead_id].created:
            yield lead_id, updated_at, f"the lead was edited on {_day(updated_at)}"


def _holds(lead_import: LeadImport) -> Iterator[tuple[int, dt.datetime, str]]:
    now = timezone.now()
    leads = Lead.objects.filter(pk__in=_leads_of(lead_import))
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


def _lock_leads(lead_import: LeadImport) -> None:
    """Nothing can be recorded on the import's leads between the plan and the undo:
    a new interaction's foreign key waits for the lock."""
    leads = Lead.objects.select_for_update().filter(pk__in=_leads_of(lead_import))
    list(leads.order_by("pk").values_list("pk", flat=True))


def _undo_visits(plan: UndoPlan, lead_import: LeadImport, *, now: dt.datetime) -> Counter[str]:
    """The leads that existed: their last activity moved back, the visits withdrawn
    (what followed from them stops), then deleted; the filled fields emptied, the
    added contacts removed, and their score and audiences worked out again. What
    was stopped, counted."""
    stopped: Counter[str] = Counter()
    lead_ids = [lead.lead_id for lead in plan.updated]
    _move_activity_back(lead_ids, lead_import)
    visit_ids = [pk for lead in plan.updated for pk in lead.visit_ids]
    for chunk in batches(visit_ids, BATCH):
        stopped.update(
            interaction_hooks.run_withdrawn(interaction_ids=chunk, reason=WITHDRAWN_REASON)
        )
        Interaction.objects.filter(pk__in=chunk).delete()
    _empty_filled_fields([lead for lead in plan.updated if lead.emptied])
    _remove_contact_points(plan.contact_points)
    scores_update(lead_ids=lead_ids, now=now)
    audience_members_update_later(lead_ids=lead_ids)
    return +stopped  # the non-zero counts


def _empty_filled_fields(updated: list[UpdatedLead]) -> None:
    """The fields emptied, and a time zone emptied derived again from what the lead
    has left: one UPDATE for the leads of a batch that end up with the same values
    (the leads are locked, their values are as planned)."""
    for chunk in batches(updated, BATCH):
        groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for planned, lead in _with_locations(chunk):
            values = dict.fromkeys(_field_names(planned.emptied), "")
            for name, value in values.items():
                setattr(lead, name, value)
            if "time_zone" in values:
                lead.fill_time_zone()
                values["time_zone"] = lead.time_zone
            groups.setdefault(tuple(sorted(values.items())), []).append(lead.pk)
        for values, lead_ids in groups.items():
            Lead.objects.filter(pk__in=lead_ids).update(**dict(values))


def _with_locations(planned: list[UpdatedLead]) -> Iterator[tuple[UpdatedLead, Lead]]:
    """Each planned lead with what its time zone is derived from."""
    leads = Lead.objects.only("phone", "country", "region", "time_zone").in_bulk(
        [lead.lead_id for lead in planned]
    )
    for lead in planned:
        yield lead, leads[lead.lead_id]


def _field_names(groups: Iterable[str]) -> list[str]:
    return [name for group in groups for name in (PHONE_FIELDS if group == "phone" else [group])]


def _remove_contact_points(ids: list[int]) -> None:
    lead_ids: set[int] = set()
    for chunk in batches(ids, BATCH):
        points = ContactPoint.objects.filter(pk__in=chunk)
        lead_ids.update(points.values_list("lead_id", flat=True))
        points.delete()
    lead_other_contacts_refresh(lead_ids=lead_ids)


def _move_activity_back(lead_ids: list[int], lead_import: LeadImport) -> None:
    """Leads whose last activity the import's visit is (it moved it up): their newest
    other interaction is again, or their creation when they have none."""
    own_visit = Interaction.objects.filter(
        lead=OuterRef("pk"), lead_import=lead_import, occurred_at=OuterRef("last_activity_at")
    )
    others = Interaction.objects.filter(lead=OuterRef("pk")).exclude(lead_import=lead_import)
    newest = Subquery(others.order_by("-occurred_at").values("occurred_at")[:1])
    for chunk in batches(lead_ids, BATCH):
        Lead.objects.filter(Exists(own_visit), pk__in=chunk).update(
            last_activity_at=Coalesce(newest, F("created_at"))
        )


def _delete_leads(lead_ids: list[int]) -> None:
    for chunk in batches(lead_ids, BATCH):
        leads = Lead.objects.filter(pk__in=chunk)
        audience_members_forget_many(leads=leads)
        leads.delete()


def _labels(fields: Iterable[str]) -> list[str]:
    return [str(capfirst(Lead._meta.get_field(name).verbose_name)) for name in fields]


def _day(moment: dt.datetime | None) -> str:
    return format_date(timezone.localtime(moment), "j M Y") if moment else "an unknown day"
