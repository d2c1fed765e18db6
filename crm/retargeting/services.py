"""Writes for pushing audiences to ad platforms: connections (their token
encrypted), links between an audience and an ad audience, a cadence step's
destinations, and queueing syncs (the sync itself: crm.retargeting.syncing).
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.jobs import JobHandle, enqueue
from crm.audiences.models import Audience
from crm.models import Lead, User
from crm.retargeting import selectors
from crm.retargeting.crypto import token_encrypt
from crm.retargeting.models import AdAudienceMember, AdConnection, AudienceAdLink

logger = logging.getLogger(__name__)

# Run by crm.retargeting.jobs, which imports this module (config.jobs.JobHandle).
AD_AUDIENCE_SYNC = JobHandle("ad_audience_sync")
# A sync that claimed its link longer ago than this died with its worker.
SYNC_STALE_AFTER = dt.timedelta(minutes=30)
State = AdAudienceMember.State


# Connections


def ad_connection_save(
    *, connection: AdConnection | None = None, token: str = "", by: User | None, **fields
) -> AdConnection:
    """Create or change a connection. A token given replaces the saved one (it is
    encrypted, and only its last four characters are kept to recognise it); a new
    token also clears a "needs attention" and queues the links' syncs, since an
    expired token is the usual reason."""
    with transaction.atomic():
        connection = connection or AdConnection(created_by=by)
        for name, value in fields.items():
            setattr(connection, name, value)
        if token:
            connection.token_encrypted = token_encrypt(token)
            connection.token_hint = token[-4:]
            connection.token_saved_at = timezone.now()
            _status_ok(connection)
        connection.save()
        if token:
            ad_links_sync_later(links=connection.links.all())
    return connection


def ad_connection_delete(*, connection: AdConnection) -> None:
    """The links and their ledgers go too; the platform's audiences keep their members."""
    connection.delete()


def ad_connection_check_again(*, connection: AdConnection) -> None:
    """A manager says the cause is fixed: the connection is tried again by
    syncing its links (which marks it again if it still fails)."""
    with transaction.atomic():
        _status_ok(connection)
        connection.save(update_fields=["status", "status_reason", "status_since"])
        ad_links_sync_later(links=connection.links.all())


def _status_ok(connection: AdConnection) -> None:
    connection.status = AdConnection.Status.OK
    connection.status_reason = ""
    connection.status_since = timezone.now()


def ad_connection_needs_attention(*, connection: AdConnection, reason: str, now) -> None:
    AdConnection.objects.filter(pk=connection.pk).update(
        status=AdConnection.Status.NEEDS_ATTENTION, status_reason=reason[:2000], status_since=now
    )
    logger.warning("Ad connection %s needs attention: %s", connection.pk, reason)


# Links


def audience_ad_link_create(
    *, audience: Audience, connection: AdConnection, platform_audience_id: str
) -> AudienceAdLink:
    """Link an audience to an ad audience; its first sync sends every member."""
    with transaction.atomic():
        link, _ = AudienceAdLink.objects.get_or_create(
            audience=audience, connection=connection, platform_audience_id=platform_audience_id
        )
        ad_links_sync_later(links=AudienceAdLink.objects.filter(pk=link.pk))
    return link


def audience_ad_link_sync_now(*, link: AudienceAdLink) -> None:
    ad_links_sync_later(links=AudienceAdLink.objects.filter(pk=link.pk))


def audience_ad_link_delete(*, link: AudienceAdLink) -> None:
    """Stop syncing; the ad audience keeps the members it has."""
    link.delete()


# Destinations fed by cadence steps (followups calls these: crm never imports it)


def ad_destination_create(
    *, connection: AdConnection, platform_audience_id: str, name: str = ""
) -> AudienceAdLink:
    """A destination for cadences' ads steps: an ad audience with no crm audience
    behind it, whose members are who the steps add (once per ad audience)."""
    link, _ = AudienceAdLink.objects.get_or_create(
        audience=None,
        connection=connection,
        platform_audience_id=platform_audience_id,
        defaults={"name": name},
    )
    return link


def ad_membership_add(*, link: AudienceAdLink, lead_ids: list[int], now: dt.datetime) -> list[int]:
    """Put these leads on the destination (pending adds, sent by the sync): those
    whose consent allows ads and who have an identifier the platform matches.
    Returns those on it now; adding someone on it already changes nothing."""
    leads = Lead.objects.filter(pk__in=lead_ids).filter(selectors.ads_consent())
    rows = selectors.ad_rows_for_leads(link, leads.exclude(email="", phone="").order_by("pk"))
    with transaction.atomic():
        ledger = {m.lead_id: m for m in link.members.filter(lead_id__in=list(rows))}
        changed = []
        for lead_id, row in rows.items():
            member = ledger.get(lead_id)
            if member is None:
                member = ledger_row_to_add(link, lead_id, row)
                member.changed_at = now
                member.save()
            elif member.state == State.PENDING_REMOVE or member.row != row:
                # A removal may have gone already: adding again is harmless.
                member.row, member.state, member.changed_at = row, State.PENDING_ADD, now
                changed.append(member)
        AdAudienceMember.objects.bulk_update(changed, ["row", "state", "changed_at"])
        ad_links_sync_later(links=AudienceAdLink.objects.filter(pk=link.pk))
    return sorted(rows)


def ad_membership_remove(*, link: AudienceAdLink, lead_ids: list[int], now: dt.datetime) -> int:
    """Take these leads off the destination (pending removes, sent by the sync).
    Returns how many were on it; those not on it (never added, removed already)
    are left alone, so asking twice removes once."""
    with transaction.atomic():
        count = (
            link.members.filter(lead_id__in=lead_ids)
            .exclude(state=State.PENDING_REMOVE)
            .update(state=State.PENDING_REMOVE, changed_at=now)
        )
        if count:
            ad_links_sync_later(links=AudienceAdLink.objects.filter(pk=link.pk))
    return count


def ad_links_sync_later(*, links: QuerySet[AudienceAdLink]) -> list[int]:
    """Say these links need a sync (the database keeps it: sync_wanted_at) and
    queue one for each, after the caller's transaction commits."""
    ids = list(links.order_by("pk").values_list("pk", flat=True))
    if ids:
        AudienceAdLink.objects.filter(pk__in=ids).update(sync_wanted_at=timezone.now())
        for link_id in ids:
            enqueue(AD_AUDIENCE_SYNC, link_id)
    return ids


def ad_links_sync_for_audience(*, audience_id: int) -> None:
    """crm.audiences' members-changed handler."""
    ad_links_sync_later(links=AudienceAdLink.objects.filter(audience_id=audience_id))


def ad_links_sync_for_lead(*, lead_id: int) -> None:
    """A lead's consent or identifiers changed: the links it is (or was sent) in."""
    ad_links_sync_later(links=selectors.ad_links_of_lead(lead_id))


def ad_members_forget(*, lead_id: int) -> int:
    """The person is being erased: their rows are detached from the lead and
    removed from the platforms at the next sync (their hashes are kept only until
    then, to say who to remove). Returns the rows concerned."""
    members = AdAudienceMember.objects.filter(lead_id=lead_id)
    link_ids = list(members.values_list("link_id", flat=True))
    count = members.update(lead=None, state=State.PENDING_REMOVE, changed_at=timezone.now())
    ad_links_sync_later(links=AudienceAdLink.objects.filter(pk__in=link_ids))
    return count


def ad_syncs_due(*, now: dt.datetime) -> list[int]:
    """The periodic pass: queue a sync for each link of a working connection
    with something to send (a change said, pending rows, a deleted lead's row),
    which also retries syncs that a platform's temporary failure stopped."""
    pending = AdAudienceMember.objects.filter(link=OuterRef("pk")).filter(
        ~Q(state=State.SYNCED) | Q(lead__isnull=True)
    )
    due = (
        AudienceAdLink.objects.filter(connection__status=AdConnection.Status.OK)
        .filter(Q(sync_wanted_at__isnull=False) | Exists(pending))
        .filter(Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - SYNC_STALE_AFTER))
        .order_by("pk")
    )
    ids = list(due.values_list("pk", flat=True))
    for link_id in ids:
        enqueue(AD_AUDIENCE_SYNC, link_id)
    return ids


def ledger_row_to_add(link: AudienceAdLink, lead_id: int, row: dict) -> AdAudienceMember:
    """A new ledger row: this person's identifiers, for the platform to add."""
    return AdAudienceMember(link=link, lead_id=lead_id, row=row, state=State.PENDING_ADD)
