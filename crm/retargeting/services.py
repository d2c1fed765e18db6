"""Writes for pushing audiences to ad platforms: connections (their token
encrypted), links between an audience and an ad audience, and the sync.

A sync is diff-based, against a ledger (AdAudienceMember) of what the platform
was sent for each person:
1. plan, in one transaction: the audience's members that consent allows
   (selectors.ad_sync_rows) against the ledger; who joined becomes "to add",
   who left (no longer a member, consent withdrawn, unsubscribed, a customer now
   that the audience excludes customers, deleted, erased) "to remove", a person
   whose identifiers changed both (the old row leaves, the new one joins);
2. send what is pending, removals first, a batch of the backend's size at a
   time, marking each batch done in the ledger as soon as the platform took it;
3. log it (AdSyncLog).
So a sync run twice sends nothing the second time, and a sync that stops
(an expired token, a platform's refusal, a platform that is down) leaves the
rest pending for the next one. Only one sync of a link runs at a time
(syncing_since, claimed with a conditional UPDATE); a change made during a sync
sets sync_wanted_at again and the periodic pass (ad_syncs_due) picks it up.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.jobs import enqueue
from crm.audiences.models import Audience
from crm.models import Lead, User
from crm.retargeting import selectors
from crm.retargeting.backends import (
    AdAudienceBackend,
    AdAudienceError,
    AuthExpired,
    GoogleAdsCustomerMatchBackend,
    MetaCustomAudienceBackend,
    PlatformError,
    SyncResult,
    TemporaryFailure,
)
from crm.retargeting.crypto import TokenUnreadable, token_decrypt, token_encrypt
from crm.retargeting.models import AdAudienceMember, AdConnection, AdSyncLog, AudienceAdLink

logger = logging.getLogger(__name__)

JOBS = "crm.retargeting.jobs."
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
                member = _to_add(link, lead_id, row)
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
            enqueue(JOBS + "ad_audience_sync", link_id)
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
        enqueue(JOBS + "ad_audience_sync", link_id)
    return ids


# The sync


@dataclass
class Tally:
    added: int = 0
    removed: int = 0
    matched: int | None = None
    failed: int = 0
    failures: list[dict] = field(default_factory=list)

    def count(self, action: str, result: SyncResult) -> None:
        if action == "add":
            self.added += result.sent
        else:
            self.removed += result.sent
        if result.matched is not None:
            self.matched = (self.matched or 0) + result.matched
        self.failed += result.failed
        self.failures += [
            {"action": action, "rows": failure.rows, "reason": failure.reason}
            for failure in result.failures
        ]


def ad_audience_sync(*, link_id: int, now: dt.datetime, backend_options=None) -> AdSyncLog | None:
    """Plan, send and log one sync of the link; None when there was nothing to
    do: no such link, another sync of it running, its connection needing
    attention (the plan is kept, pending), or nothing pending."""
    if not _claim(link_id, now):
        return None
    try:
        link = AudienceAdLink.objects.select_related("connection", "audience").get(pk=link_id)
        _plan(link, now)
        if link.connection.needs_attention or not _has_pending(link):
            return None
        return _send_and_log(link, now, backend_options or {})
    finally:
        AudienceAdLink.objects.filter(pk=link_id).update(syncing_since=None)


def _claim(link_id: int, now: dt.datetime) -> bool:
    free = Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - SYNC_STALE_AFTER)
    return AudienceAdLink.objects.filter(free, pk=link_id).update(syncing_since=now) == 1


def _has_pending(link: AudienceAdLink) -> bool:
    return link.members.exclude(state=State.SYNCED).exists()


@transaction.atomic
def _plan(link: AudienceAdLink, now: dt.datetime) -> None:
    """The ledger brought to the audience as it is now: what to add, what to remove."""
    wanted_at = (
        AudienceAdLink.objects.select_for_update()
        .filter(pk=link.pk)
        .values_list("sync_wanted_at", flat=True)
        .first()
    )
    current = selectors.ad_sync_rows(link)
    ledger = {member.lead_id: member for member in link.members.filter(lead__isnull=False)}
    retire, changed, new = [], [], []
    for lead_id, row in current.items():
        member = ledger.get(lead_id)
        if member is None:
            new.append(_to_add(link, lead_id, row))
        elif member.row != row and member.state != State.PENDING_ADD:
            # The platform holds the old identifiers: they leave, the new ones join.
            member.lead, member.state = None, State.PENDING_REMOVE
            retire.append(member)
            new.append(_to_add(link, lead_id, row))
        elif member.row != row or member.state == State.PENDING_REMOVE:
            # A removal may have gone before its mark was lost: adding again is harmless.
            member.row, member.state = row, State.PENDING_ADD
            changed.append(member)
    for lead_id, member in ledger.items():
        if lead_id not in current and member.state != State.PENDING_REMOVE:
            member.state = State.PENDING_REMOVE
            changed.append(member)
    for member in retire + changed + new:
        member.changed_at = now
    AdAudienceMember.objects.bulk_update(retire, ["lead", "state", "changed_at"], batch_size=1000)
    AdAudienceMember.objects.bulk_update(changed, ["row", "state", "changed_at"], batch_size=1000)
    AdAudienceMember.objects.bulk_create(new, batch_size=1000)
    # A deleted lead's row: its identifiers leave the platform.
    link.members.filter(lead__isnull=True).exclude(state=State.PENDING_REMOVE).update(
        state=State.PENDING_REMOVE, changed_at=now
    )
    AudienceAdLink.objects.filter(pk=link.pk, sync_wanted_at=wanted_at).update(sync_wanted_at=None)


def _to_add(link: AudienceAdLink, lead_id: int, row: dict) -> AdAudienceMember:
    return AdAudienceMember(link=link, lead_id=lead_id, row=row, state=State.PENDING_ADD)


def _send_and_log(link: AudienceAdLink, now: dt.datetime, options: dict) -> AdSyncLog:
    log = AdSyncLog(link=link, started_at=now)
    tally = Tally()
    try:
        backend = backend_for(link, **options)
        _send(link, backend, "remove", State.PENDING_REMOVE, tally)
        _send(link, backend, "add", State.PENDING_ADD, tally)
    except TemporaryFailure as error:
        log.error = f"{error.message} Pending changes go at the next try."
    except (AuthExpired, PlatformError) as error:
        log.error = error.message
        ad_connection_needs_attention(connection=link.connection, reason=error.message, now=now)
    except TokenUnreadable as error:
        log.error = str(error)
        ad_connection_needs_attention(connection=link.connection, reason=str(error), now=now)
    log.added, log.removed, log.matched = tally.added, tally.removed, tally.matched
    log.failed, log.failures = tally.failed, tally.failures
    log.finished_at = timezone.now()
    log.save()
    return log


def _send(
    link: AudienceAdLink, backend: AdAudienceBackend, action: str, state: str, tally: Tally
) -> None:
    """Send the rows in `state`, a batch at a time, each marked done once taken.
    A batch the platform refused whole stays pending and the connection needs
    attention (a deleted audience, a list of the wrong type): sending it again
    as it is would not help."""
    call = backend.add_members if action == "add" else backend.remove_members
    after = 0
    while True:
        batch = list(
            link.members.filter(state=state, pk__gt=after).order_by("pk")[: backend.batch_size]
        )
        if not batch:
            return
        try:
            result = call([member.row for member in batch])
        except AdAudienceError as error:
            # The batch stays pending, so what it sent before stopping is not
            # counted as done; what the platform refused in it is reported.
            if error.result is not None:
                tally.count(
                    action, SyncResult(failed=error.result.failed, failures=error.result.failures)
                )
            raise
        tally.count(action, result)
        after = batch[-1].pk
        if result.failed >= len(batch) and not result.sent:
            reason = result.failures[0].reason if result.failures else "refused"
            raise PlatformError(f"The platform refused a whole batch: {reason}")
        _mark_done(batch, action)


def _mark_done(batch: list[AdAudienceMember], action: str) -> None:
    ids = [member.pk for member in batch]
    if action == "remove":
        AdAudienceMember.objects.filter(pk__in=ids, state=State.PENDING_REMOVE).delete()
    else:
        AdAudienceMember.objects.filter(pk__in=ids, state=State.PENDING_ADD).update(
            state=State.SYNCED
        )


def backend_for(link: AudienceAdLink, **options) -> AdAudienceBackend:
    """The platform's backend, with the connection's credentials (options: the
    backends' client, retry, sleep, rng)."""
    connection = link.connection
    token = token_decrypt(connection.token_encrypted)
    if connection.platform == AdConnection.Platform.META:
        return MetaCustomAudienceBackend(
            audience_id=link.platform_audience_id, access_token=token, **options
        )
    return GoogleAdsCustomerMatchBackend(
        customer_id=connection.account_id,
        user_list_id=link.platform_audience_id,
        access_token=token,
        developer_token=connection.developer_token,
        login_customer_id=connection.login_customer_id,
        **options,
    )
