"""The scheduler pass: the database says what is due; Redis only carries the work.

Each pass releases abandoned call claims, takes ads steps' leads off their ad
audiences once their days are over, and dispatches due touches on the
channels that have a delivery handler: it claims them in batches (skipping rows
another scheduler has locked), then queues one job per touch carrying its id.
A delivery job takes its touches by writing its worker's token on them
(config.liveness). A touch claimed for delivery whose job never finished is
dispatched again:
- at the next pass when its worker died (killed, or its machine lost): no live
  worker holds the token on it. A claim is made anew without a token, so a
  touch is dispatched again once per death, however long its new job waits;
- once its lease runs out when no worker took its job up (Redis flushed), or
  the job failed with its worker alive (it lets go of its touches). While
  the mail queue is backed up for longer than the lease, the claims made since
  its oldest waiting job was queued are left alone: their jobs may still be
  waiting behind it (the queue is first in, first out), and dispatching them
  again would only pile up jobs with nothing to do.
The job only delivers a touch still claimed and its own, so nothing is lost and
nothing is delivered twice.
"""

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from config import liveness
from config.jobs import JobHandle, enqueue, oldest_waiting_since
from crm import periodic
from followups import channels
from followups.cadences.ads import ad_runs_expire
from followups.cadences.undoable import undoable_steps_skip
from followups.models import Touch
from followups.queue.services import calls_release_abandoned
from followups.services import touches_complete

BATCH = 500
# How long a claim waits for a worker to take up its job (MAIL_DELIVERY_LEASE_SECONDS).
DELIVERY_LEASE = dt.timedelta(seconds=settings.MAIL_DELIVERY_LEASE_SECONDS)
# A pass claims its touches (claimed_at is the pass's start) and queues their jobs
# within this, whatever else it does first.
CLAIM_TO_QUEUE = dt.timedelta(minutes=1)
DELIVERY_QUEUE = "mail"
# Run by followups.jobs, which imports this module (config.jobs.JobHandle).
TOUCH_DELIVER = JobHandle("touch_deliver")
TOUCHES_DELIVER = JobHandle("touches_deliver")


@dataclass(frozen=True)
class PassResult:
    released_calls: int
    dispatched: int
    skipped: int = 0


def scheduler_pass(*, now: dt.datetime | None = None) -> PassResult:
    now = now or timezone.now()
    released = calls_release_abandoned(now=now)
    periodic.enqueue_due(now)
    skipped = undoable_steps_skip(now=now)
    ad_runs_expire(now=now)
    dispatched = 0
    while batch := _claim_due(now):
        _dispatch(batch)
        dispatched += len(batch)
        if len(batch) < BATCH:
            break
    return PassResult(released_calls=released, dispatched=dispatched, skipped=skipped)


def _dispatch(batch: list[tuple[int, str]]) -> None:
    """One job per touch, or per slice of a channel whose handler takes batches."""
    by_channel: dict[str, list[int]] = {}
    for touch_id, channel in batch:
        by_channel.setdefault(channel, []).append(touch_id)
    for channel, ids in by_channel.items():
        size = channels.batch_size_for(channel)
        if size is None:
            for touch_id in ids:
                enqueue(TOUCH_DELIVER, touch_id, queue=DELIVERY_QUEUE)
            continue
        for start in range(0, len(ids), size):
            enqueue(TOUCHES_DELIVER, channel, ids[start : start + size], queue=DELIVERY_QUEUE)


def _claim_due(now: dt.datetime) -> list[tuple[int, str]]:
    """Claim up to BATCH due touches for delivery: first those whose delivery was
    lost (their worker died, or no worker took their job up within the lease),
    then pending ones, oldest first. Commits before returning, so the jobs
    queued after it see the claim."""
    never_taken_up = Q(worker_token__isnull=True, claimed_at__lt=_lease_expired_before(now))
    lost = Touch.objects.filter(
        never_taken_up | liveness.left_by_dead_worker("worker_token"),
        status=Touch.Status.CLAIMED,
        channel__in=channels.reclaimed_channels(),
        due_at__lte=now,
    )
    pending = Touch.objects.filter(
        status=Touch.Status.PENDING, channel__in=channels.delivered_channels(), due_at__lte=now
    )
    with transaction.atomic():
        claimed = _claim(lost, now, BATCH)
        if len(claimed) < BATCH:
            claimed += _claim(pending, now, BATCH - len(claimed))
    return claimed


def _claim(due: QuerySet[Touch], now: dt.datetime, limit: int) -> list[tuple[int, str]]:
    """One statement: UPDATE … WHERE id IN (the first `limit` of them, skipping
    rows another scheduler has locked) RETURNING id, channel. Split from the lost
    claims, the pending touches come in the order of the (channel, status,
    due_at) index, so a batch reads its rows and no more, however many are due."""
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    ids_sql, params = due.order_by("due_at", "id").values("pk")[:limit].query.sql_with_params()
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(Touch._meta.db_table)} SET {q('status')} = %s, {q('claimed_at')} = %s, "
        f"{q('claimed_by_id')} = NULL, {q('worker_token')} = NULL WHERE {q('id')} IN ({ids_sql}) "
        f"RETURNING {q('id')}, {q('channel')}"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Touch.Status.CLAIMED, stamp, *params])
        return sorted(cursor.fetchall())


def _lease_expired_before(now: dt.datetime) -> dt.datetime:
    """Claims for delivery no worker took up, made before this, are dispatched
    again: older than the lease, and older than the jobs still waiting on the
    queue (see the module)."""
    expired_before = now - DELIVERY_LEASE
    waiting_since = oldest_waiting_since(DELIVERY_QUEUE)
    if waiting_since is not None:
        expired_before = min(expired_before, waiting_since - CLAIM_TO_QUEUE)
    return expired_before


def touches_deliver(*, channel: str, touch_ids: list[int]) -> None:
    """Hand a batch of claimed touches to their channel's batch handler: those this
    worker takes, which bear its token until they are done (see the module)."""
    handler = channels.handler_for(channel)
    if handler is None:
        return
    with liveness.worker_token() as token:
        taken = _take(touch_ids, token)
        try:
            if taken:
                handler(touch_ids=taken)
        except Exception:
            _let_go(taken, token)
            raise


def _take(touch_ids: list[int], token: int | None) -> list[int]:
    """Those of these touches still claimed that no live worker holds, marked as
    this worker's. A live one's are left to it: a job dispatched twice delivers
    once. Without tokens (SQLite) all of them: the handler checks each again."""
    if token is None:
        return touch_ids
    claimed = Touch.objects.filter(pk__in=touch_ids, status=Touch.Status.CLAIMED)
    free = Q(worker_token__isnull=True) | liveness.left_by_dead_worker("worker_token")
    claimed.filter(free).update(worker_token=token)
    return sorted(claimed.filter(worker_token=token).values_list("pk", flat=True))


def _let_go(touch_ids: list[int], token: int | None) -> None:
    """A job that failed (its worker alive) leaves its touches to the lease, like a
    job never taken up: a batch that fails each time is tried again once a lease,
    not at every pass."""
    with suppress(DatabaseError):  # a broken connection took the token with it
        Touch.objects.filter(pk__in=touch_ids, worker_token=token).update(worker_token=None)


@transaction.atomic
def touch_deliver(*, touch_id: int) -> bool:
    """Deliver one claimed touch through its channel's handler, once."""
    touch = (
        Touch.objects.select_for_update()
        .select_related("lead")
        .filter(pk=touch_id, status=Touch.Status.CLAIMED)
        .first()
    )
    handler = channels.handler_for(touch.channel) if touch else None
    if touch is None or handler is None:
        return False  # delivered already, cancelled, or nobody delivers this channel
    handler(touch=touch)
    touches_complete(touch_ids=[touch.pk], outcome="delivered", now=timezone.now())
    return True
