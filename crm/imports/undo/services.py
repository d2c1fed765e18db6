"""Undoing a booth-list import: whether it may be undone now (the offer), queueing
it, and the undo itself, in one transaction with the import and its leads locked,
following the plan (crm.imports.undo.plan)."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.jobs import JobHandle, enqueue
from crm import interaction_hooks
from crm.audiences.services import audience_members_forget_many, audience_members_update_later
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.bulk import batches
from crm.imports.engine import one_import_at_a_time
from crm.imports.undo.plan import (
    BATCH,
    UndoPlan,
    UpdatedLead,
    day_in_words,
    lead_import_undo_plan,
    leads_of,
)
from crm.models import ContactPoint, Interaction, Lead, LeadImport, User
from crm.scoring.services import scores_update
from crm.services import PHONE_FIELDS, lead_other_contacts_refresh

Status = LeadImport.Status
Kind = Interaction.Kind


# How long the page says an undo is under way, at most: its job has the queue's
# 10 minutes, and a job that died must not keep the undo from being offered.
RUNNING_HINT_SECONDS = 15 * 60


# Run by crm.imports.jobs, which imports this module (config.jobs.JobHandle).
LEAD_IMPORT_UNDO = JobHandle("lead_import_undo")


WITHDRAWN_REASON = "import undone"


class UndoRefused(Exception):
    """The import can't be undone (not finished, undone already, too old): the message says why."""


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
        return f"This import was undone on {day_in_words(lead_import.undone_at)}."
    deadline = _deadline(lead_import)
    if lead_import.status != Status.DONE or deadline is None:
        return "Only an import that has finished can be undone."
    if (now or timezone.now()) >= deadline:
        return (
            f"An import can be undone for {settings.IMPORT_UNDO_DAYS} days after it finished; "
            f"this one finished on {day_in_words(lead_import.finished_at)}."
        )
    return ""


def _deadline(lead_import: LeadImport) -> dt.datetime | None:
    if lead_import.finished_at is None:
        return None
    return lead_import.finished_at + dt.timedelta(days=settings.IMPORT_UNDO_DAYS)


def lead_import_undo_start(*, lead_import: LeadImport, by: User) -> None:
    """Queue the undo (a large list takes minutes). Raises UndoRefused when it
    can't be undone, or is being undone already."""
    refusal = undo_start_refusal(lead_import)
    if refusal:
        raise UndoRefused(refusal)
    cache.set(_running_key(lead_import.pk), by.pk, timeout=RUNNING_HINT_SECONDS)
    enqueue(LEAD_IMPORT_UNDO, lead_import.pk, by.pk, queue="imports")


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


def _lock_leads(lead_import: LeadImport) -> None:
    """Nothing can be recorded on the import's leads between the plan and the undo:
    a new interaction's foreign key waits for the lock."""
    leads = Lead.objects.select_for_update().filter(pk__in=leads_of(lead_import))
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
