"""Writes for the rep's call queue page that followups.calls does not cover."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import User
from followups import selectors
from followups.calls import CLAIM_TRIES
from followups.models import Channel, Touch
from followups.queue_selectors import CARD_RELATED


def call_unclaim(*, touch: Touch, user: User) -> bool:
    """Give a call this user claimed back to the queue, as if never claimed.
    False when it was not theirs to give back (logged, released, someone else's)."""
    released = Touch.objects.filter(
        pk=touch.pk, channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).update(status=Touch.Status.PENDING, claimed_by=None, claimed_at=None)
    return released == 1


@transaction.atomic
def call_skip(*, touch: Touch, user: User, now: dt.datetime | None = None) -> Touch | None:
    """Not now: give this call back to the queue and claim the user's next other call,
    so the skipped one does not come straight back. It stays in the queue for later.
    Returns the call claimed instead, or None when there is no other."""
    now = now or timezone.now()
    call_unclaim(touch=touch, user=user)
    others = selectors.call_queue(user, now).exclude(pk=touch.pk)
    for _ in range(CLAIM_TRIES):
        candidate = _first_unlocked(others)
        if candidate is None:
            return None
        claimed = Touch.objects.filter(pk=candidate, status=Touch.Status.PENDING).update(
            status=Touch.Status.CLAIMED, claimed_by=user, claimed_at=now
        )
        if claimed:  # this very call, even if the user holds another claim elsewhere
            return Touch.objects.select_related(*CARD_RELATED).get(pk=candidate)
    return None


def _first_unlocked(queue: QuerySet[Touch]) -> int | None:
    if connection.features.has_select_for_update_skip_locked:
        queue = queue.select_for_update(skip_locked=True, of=("self",))
    return queue.values_list("pk", flat=True).first()
