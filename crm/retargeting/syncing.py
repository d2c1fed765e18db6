"""Syncing a link: what the platform should hold against what it was sent.

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
from django.db.models import Q
from django.utils import timezone

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
from crm.retargeting.crypto import TokenUnreadable, token_decrypt
from crm.retargeting.models import AdAudienceMember, AdConnection, AdSyncLog, AudienceAdLink
from crm.retargeting.services import (
    SYNC_STALE_AFTER,
    ad_connection_needs_attention,
    ledger_row_to_add,
)

logger = logging.getLogger(__name__)
State = AdAudienceMember.State


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
            new.append(ledger_row_to_add(link, lead_id, row))
        elif member.row != row and member.state != State.PENDING_ADD:
            # The platform holds the old identifiers: they leave, the new ones join.
            member.lead, member.state = None, State.PENDING_REMOVE
            retire.append(member)
            new.append(ledger_row_to_add(link, lead_id, row))
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
