"""Touch status: every change of a touch's status is one of these services (the
scheduler's claims and the queue's claim aside). Closing a cadence's touch, done
or skipped, moves its enrolment on (followups.cadences.progress)."""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import DateTimeField, QuerySet, Value
from django.db.models.functions import Least
from django.utils import timezone

from crm.models import Lead, User
from followups.cadences import progress
from followups.models import Channel, Touch

# A mailed letter's outcome when it came back undelivered.
LETTER_RETURNED = "returned"


def touches_skip_open(*, lead: Lead, channel: str, outcome: str) -> int:
    """A lead's open touches on a channel will not be done (no more calls to them):
    skipped, saying why; cadences go on past them."""
    open_ids = list(
        Touch.objects.filter(lead=lead, channel=channel, status__in=Touch.OPEN).values_list(
            "pk", flat=True
        )
    )
    return touches_skip(touch_ids=open_ids, outcome=outcome)


def touches_withdraw(*, interaction_ids: Sequence[int], reason: str) -> dict[str, int]:
    """Cancel the open touches planned from these interactions, which are about to
    be deleted (an interaction hook: crm.interaction_hooks.run_withdrawn)."""
    planned = Touch.objects.filter(interaction_id__in=interaction_ids)
    count = touches_cancel_open(touch_ids=planned.values("pk"), outcome=reason)
    return {"Planned calls, emails and letters cancelled": count}


# Closing touches that other apps deliver (mailings: emails and letters). Touch
# status has one writer, this module's services; a claimed touch is its worker's
# until one of them closes or holds it.


def touches_cancel_open(*, touch_ids: Iterable[int] | QuerySet, outcome: str) -> int:
    """Cancel those of these touches still open; a claimed one loses its claim."""
    return Touch.objects.filter(pk__in=touch_ids, status__in=Touch.OPEN).update(
        status=Touch.Status.CANCELLED, outcome=outcome[:100], claimed_at=None, claimed_by=None
    )


def touches_skip(
    *, touch_ids: Iterable[int] | QuerySet, outcome: str, now: dt.datetime | None = None
) -> int:
    """Close touches that will not be done, saying why (no drip sends the email, it
    may not go, its print run was cancelled); their cadences go on."""
    now = now or timezone.now()
    ids = _ids(touch_ids)
    skipped = Touch.objects.filter(pk__in=ids).update(
        status=Touch.Status.SKIPPED, outcome=outcome[:100], completed_at=now, held_reason=""
    )
    progress.enrolments_advance(touch_ids=ids, now=now)
    return skipped


def touches_complete(*, touch_ids: Iterable[int] | QuerySet, outcome: str, now: dt.datetime) -> int:
    """Close touches that were done ("sent", "mailed"); their cadences go on."""
    ids = _ids(touch_ids)
    done = Touch.objects.filter(pk__in=ids).update(
        status=Touch.Status.DONE, outcome=outcome[:100], completed_at=now, held_reason=""
    )
    progress.enrolments_advance(touch_ids=ids, now=now)
    return done


def touch_letter_returned(*, touch_id: int) -> bool:
    """The letter of a done letter touch came back undelivered: its outcome says so,
    as a refused email's says why (the touch stays done: the letter was mailed, and
    its cadence has moved on). False when already recorded, or not a mailed letter."""
    return (
        Touch.objects.filter(pk=touch_id, channel=Channel.LETTER, status=Touch.Status.DONE)
        .exclude(outcome=LETTER_RETURNED)
        .update(outcome=LETTER_RETURNED)
        == 1
    )


def _ids(touch_ids: Iterable[int] | QuerySet) -> list[int]:
    """The ids, read once: the update changes what a queryset of them selects."""
    return list(Touch.objects.filter(pk__in=touch_ids).values_list("pk", flat=True))


def touches_complete_claimed(
    *, touch_ids: Iterable[int], outcome: str, now: dt.datetime
) -> set[int]:
    """Complete those of these touches still claimed, locked until the caller's
    transaction ends; the ids completed. A touch taken back meanwhile (released,
    cancelled) is left as it is. One UPDATE for the batch (it locks the rows it
    completes), whose RETURNING says which enrolments to move on."""
    ids = list(touch_ids)
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_complete_claimed_sql(len(ids)), [*_completed(outcome, now), *ids])
        closed = cursor.fetchall()
    progress.enrolments_advance_closed(
        closed=[(*row[1:], now) for row in sorted(closed) if row[1] is not None], now=now
    )
    return {row[0] for row in closed}


def _completed(outcome: str, now: dt.datetime) -> list:
    """The SET values of a completion, then the status it is done from."""
    done_at = connection.ops.adapt_datetimefield_value(now)
    return [Touch.Status.DONE, outcome[:100], done_at, Touch.Status.CLAIMED]


def _complete_claimed_sql(count: int) -> str:
    """touches_complete's UPDATE, of claimed touches only, saying which it closed
    and their enrolment's step and attempt (RETURNING: PostgreSQL, SQLite 3.35)."""
    quote = connection.ops.quote_name
    column = {name: quote(Touch._meta.get_field(name).column) for name in _COMPLETE_COLUMNS}
    return (
        f"UPDATE {quote(Touch._meta.db_table)} SET {column['status']} = %s, "
        f"{column['outcome']} = %s, {column['completed_at']} = %s, {column['held_reason']} = '' "
        f"WHERE {column['status']} = %s AND {column['id']} IN ({', '.join(['%s'] * count)}) "
        f"RETURNING {column['id']}, {column['enrolment']}, {column['step']}, {column['attempt']}"
    )


_COMPLETE_COLUMNS = (
    "id",
    "status",
    "outcome",
    "completed_at",
    "held_reason",
    "enrolment",
    "step",
    "attempt",
)


def touch_hold(*, touch_id: int, until: dt.datetime, why: str) -> None:
    """A touch that may not be done yet goes back to pending until `until`, and
    says why on the lead's page."""
    Touch.objects.filter(pk=touch_id).update(
        status=Touch.Status.PENDING, due_at=until, claimed_at=None, held_reason=why[:300]
    )


# A rep's touches worked from the queue (personal emails and tasks).


@transaction.atomic
def touch_claim_for_delivery(*, touch_id: int, by: User, now: dt.datetime | None = None) -> bool:
    """A rep sends a pending touch now (a personal email): claimed for its delivery
    job, by them, due now at the latest. False when it is not pending, or another
    transaction holds it (a second click while the first is sending): that one
    does not wait for the row, so it never holds the row lock the delivery job of
    the first then finds taken and passes over (SKIP LOCKED)."""
    now = now or timezone.now()
    pending = Touch.objects.filter(pk=touch_id, status=Touch.Status.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    if not pending.values_list("pk", flat=True):
        return False
    claimed = Touch.objects.filter(pk=touch_id, status=Touch.Status.PENDING).update(
        status=Touch.Status.CLAIMED,
        claimed_by=by,
        claimed_at=now,
        worker_token=None,  # a claim anew: no worker has taken it up yet
        due_at=Least("due_at", Value(now, output_field=DateTimeField())),
        held_reason="",
    )
    return claimed == 1


@transaction.atomic
def touch_close_for_rep(
    *, touch_id: int, rep: User, done: bool, outcome: str, now: dt.datetime | None = None
) -> bool:
    """A rep's pending touch closed from their queue, done or skipped (a task done,
    a step skipped with their reason), once: False when it was not pending and
    theirs. Its cadence goes on."""
    now = now or timezone.now()
    closed = Touch.objects.filter(pk=touch_id, status=Touch.Status.PENDING, assigned_to=rep).update(
        status=Touch.Status.DONE if done else Touch.Status.SKIPPED,
        outcome=outcome[:100],
        completed_at=now,
        held_reason="",
    )
    if closed:
        progress.enrolments_advance(touch_ids=[touch_id], now=now)
    return closed == 1


# Taking a call's outcome back (followups.queue.undo).


def touches_restore(*, touches: Iterable[Touch]) -> None:
    """Put these touches back exactly as they were read before (every field)."""
    for touch in touches:
        touch.save(force_update=True)


def touches_delete(*, touch_ids: Iterable[int]) -> int:
    """Delete touches planned by what is being taken back: never worked, so as if
    never planned (their keys free for the next outcome to plan them again)."""
    deleted, _ = Touch.objects.filter(pk__in=list(touch_ids)).delete()
    return deleted
