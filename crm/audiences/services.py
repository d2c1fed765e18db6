"""Writes for audiences: saving one (its members are rebuilt in a job), and
keeping members up to date without a nightly rebuild:

- for the leads an interaction or a profile change concerns, every active
  audience is re-evaluated for those leads only (audience_members_update);
- audiences whose rules have time windows ("in the last 7 days") or read the
  decaying score drift as time passes: a periodic task re-evaluates them whole
  (audiences_refresh_due).

Both are set-based: an INSERT … SELECT of the matching leads not members yet,
and a DELETE of the members that match no longer (NOT EXISTS, which PostgreSQL
runs as an anti-join; NOT IN would not be). A sync holds its audience's row
lock, so a whole refresh and an update for a few leads of the same audience take
turns instead of deadlocking on the same rows.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from config.jobs import JobHandle, enqueue
from crm.audiences.models import Audience, AudienceMember
from crm.audiences.rules.base import DefinitionError
from crm.audiences.rules.checking import definition_clean
from crm.audiences.rules.compiling import MembershipQs, has_time_window, membership_qs
from crm.models import Lead, User
from crm.privacy.models import Erasure

logger = logging.getLogger(__name__)

LEADS_PER_SYNC = 1000  # leads per incremental statement (SQLite allows 32,766 parameters)
ARRAY_LEADS_PER_SYNC = 5000  # on PostgreSQL, where they go as one array (field__any)
# Run by crm.audiences.jobs, which imports this module (config.jobs.JobHandle).
AUDIENCE_REBUILD = JobHandle("audience_rebuild")
AUDIENCE_MEMBERS_FOR_LEADS = JobHandle("audience_members_for_leads")


@dataclass(frozen=True)
class Sync:
    added: int
    removed: int


# Who acts on members joining and leaving (followups enrols them in the cadences
# that follow the audience), after a sync that changed them: called with
# audience_id=. crm imports nothing above it, so they register here.
_changed_handlers: list[Callable[..., None]] = []


def register_members_changed(handler: Callable[..., None]) -> None:
    if handler not in _changed_handlers:
        _changed_handlers.append(handler)


def _members_changed(audience_id: int, sync: "Sync") -> None:
    if sync.added or sync.removed:
        for handler in _changed_handlers:
            handler(audience_id=audience_id)


def audience_save(
    *, audience: Audience | None = None, name: str, definition: Any, is_active: bool, by: User
) -> Audience:
    """Create or change an audience (DefinitionError when its rules are invalid);
    its members are rebuilt in a job."""
    cleaned = definition_clean(definition)
    with transaction.atomic():
        audience = audience or Audience(created_by=by)
        audience.name, audience.definition, audience.is_active = name, cleaned, is_active
        audience.save()
        audience_rebuild_later(audience=audience)
    return audience


def audience_rebuild_later(*, audience: Audience) -> None:
    """Work its members out from scratch, in a job."""
    enqueue(AUDIENCE_REBUILD, audience.pk)


def audience_delete(*, audience: Audience) -> None:
    audience.delete()


def audience_refresh(*, audience: Audience, now: dt.datetime) -> Sync:
    """Re-evaluate the whole audience and store its exact member count."""
    with transaction.atomic():
        definition = _lock(audience.pk)
        if definition is None:
            return Sync(0, 0)
        sync = _sync(audience.pk, membership_qs(definition, now=now), now=now)
        count = AudienceMember.objects.filter(audience_id=audience.pk).count()
        Audience.objects.filter(pk=audience.pk).update(member_count=count, members_refreshed_at=now)
    _members_changed(audience.pk, sync)
    return sync


def audiences_refresh_due(*, now: dt.datetime) -> list[int]:
    """The periodic pass: re-evaluate the active audiences with time windows (their
    members drift as time passes), and recount the others' members (a lead deleted
    takes its memberships with it). Returns the ids re-evaluated."""
    refreshed, others = [], []
    for audience in Audience.objects.filter(is_active=True).order_by("pk"):
        if not has_time_window(audience.definition):
            others.append(audience.pk)
            continue
        try:
            audience_refresh(audience=audience, now=now)
        except DefinitionError as error:
            logger.warning("Audience %s has invalid rules: %s", audience.pk, error.errors)
            continue
        refreshed.append(audience.pk)
    _recount(others)
    return refreshed


def audience_members_update(*, lead_ids: Iterable[int], now: dt.datetime) -> None:
    """Re-evaluate every active audience for these leads only: after their
    interactions were recorded or their profile changed."""
    ids = sorted(set(lead_ids))
    if not ids:
        return
    size = ARRAY_LEADS_PER_SYNC if connection.vendor == "postgresql" else LEADS_PER_SYNC
    for audience_id in (
        Audience.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    ):
        for start in range(0, len(ids), size):
            _update_for_leads(audience_id, ids[start : start + size], now)


def audience_members_update_later(*, lead_ids: Iterable[int]) -> None:
    """The same, in a job (after the caller's transaction commits); no job at all
    while no audience is active (a lead saved costs one small query, not a job)."""
    ids = sorted(set(lead_ids))
    if ids and Audience.objects.filter(is_active=True).exists():
        enqueue(AUDIENCE_MEMBERS_FOR_LEADS, ids)


def audience_members_forget(*, lead: Lead) -> None:
    """Take a lead out of every audience (it is about to be merged away)."""
    members = AudienceMember.objects.filter(lead=lead)
    audience_ids = list(members.values_list("audience_id", flat=True))
    if audience_ids:
        members.delete()
        Audience.objects.filter(pk__in=audience_ids).update(
            member_count=Greatest(F("member_count") - 1, 0)
        )


def audience_members_forget_many(*, leads: QuerySet[Lead]) -> None:
    """Take these leads out of every audience (they are about to be deleted: the
    cascade would leave the member counts too high) and count those audiences again."""
    members = AudienceMember.objects.filter(lead__in=leads)
    audience_ids = list(members.order_by().values_list("audience_id", flat=True).distinct())
    if audience_ids:
        members.delete()
        _recount(audience_ids)


def _update_for_leads(audience_id: int, lead_ids: list[int], now: dt.datetime) -> None:
    with transaction.atomic():
        definition = _lock(audience_id, active_only=True)
        if definition is None:
            return
        try:
            qs = membership_qs(definition, now=now, lead_ids=lead_ids)
        except DefinitionError as error:
            logger.warning("Audience %s has invalid rules: %s", audience_id, error.errors)
            return
        sync = _sync(audience_id, qs, now=now, lead_ids=lead_ids)
        if sync.added or sync.removed:
            Audience.objects.filter(pk=audience_id).update(
                member_count=Greatest(F("member_count") + sync.added - sync.removed, 0)
            )
    _members_changed(audience_id, sync)


def _lock(audience_id: int, *, active_only: bool = False) -> dict | None:
    """Lock the audience's row for this transaction; its definition, or None when
    it is gone (or inactive, with active_only)."""
    audiences = Audience.objects.select_for_update().filter(pk=audience_id)
    if active_only:
        audiences = audiences.filter(is_active=True)
    return audiences.values_list("definition", flat=True).first()


def _sync(
    audience_id: int, qs: MembershipQs, *, now: dt.datetime, lead_ids: list[int] | None = None
) -> Sync:
    """Members become exactly the leads that match (among lead_ids, when given).

    Joining: the matching leads are worked out once, as a materialised CTE planned
    like a count, then those not members yet are inserted. Leaving: each member
    of the audience (or of lead_ids) is checked on its own, through the lead's
    primary key and its interactions' timeline index, so the cost grows with the
    members and never with a wrong guess of how many rows the first step added."""
    if lead_ids == []:
        return Sync(0, 0)
    leads = Lead.objects.filter(qs.matching).filter(~_erased())
    members = AudienceMember.objects.filter(audience_id=audience_id)
    if lead_ids is not None:
        leads, members = leads.filter(pk__any=lead_ids), members.filter(lead_id__any=lead_ids)
    added = _insert_members(audience_id, leads, now)
    still_matches = Lead.objects.filter(qs.per_lead, ~_erased(), pk=OuterRef("lead_id"))
    removed, _ = members.filter(~Exists(still_matches)).delete()
    return Sync(added, removed)


def _erased() -> Exists:
    """An erased person (crm.privacy) matches no audience, whatever its rules say."""
    return Exists(Erasure.objects.filter(lead_id=OuterRef("pk")))


def _insert_members(audience_id: int, leads, now: dt.datetime) -> int:
    matching_sql, params = leads.order_by().values("id").query.sql_with_params()
    quote = connection.ops.quote_name
    table, lead, audience = (
        quote(AudienceMember._meta.db_table),
        quote("lead_id"),
        quote("audience_id"),
    )
    # Members already in are skipped by the unique (audience, lead) index: a NOT
    # EXISTS here went quadratic while the member statistics were stale (the
    # planner expected one matching lead). "WHERE true" lets SQLite tell ON
    # CONFLICT from a join's ON.
    insert = (
        f"WITH matching AS MATERIALIZED ({matching_sql}) "
        f"INSERT INTO {table} ({audience}, {lead}, {quote('joined_at')}) "
        f"SELECT %s, matching.id, %s FROM matching WHERE true "
        f"ON CONFLICT DO NOTHING"
    )
    joined_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(insert, [*params, audience_id, joined_at])
        return _rows_changed(cursor)


def _rows_changed(cursor) -> int:
    # Python's sqlite3 reports no rowcount for a statement that starts with WITH.
    if connection.vendor == "sqlite":
        cursor.execute("SELECT changes()")
        return cursor.fetchone()[0]
    return cursor.rowcount


def _recount(audience_ids: list[int]) -> None:
    if not audience_ids:
        return
    counted = (
        AudienceMember.objects.filter(audience_id=OuterRef("pk"))
        .order_by()
        .values("audience_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    Audience.objects.filter(pk__in=audience_ids).update(member_count=Coalesce(Subquery(counted), 0))
