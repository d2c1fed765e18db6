"""Writes for the rep's call queue page that followups.calls does not cover."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.models import User
from followups import selectors
from followups.claiming import claim_head
from followups.models import Channel, Touch
from followups.undo import Undone, outcome_undo


def call_unclaim(*, touch: Touch, user: User) -> bool:
    """Give a call this user claimed back to the queue, as if never claimed.
    False when it was not theirs to give back (logged, released, someone else's)."""
    released = Touch.objects.filter(
        pk=touch.pk, channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).update(status=Touch.Status.PENDING, claimed_by=None, claimed_at=None)
    return released == 1


@transaction.atomic
def call_skip(
    *, touch: Touch, user: User, now: dt.datetime | None = None, audience_id: int | None = None
) -> Touch | None:
    """Not now: give this call back to the queue and claim the user's next other call
    (in the audience, if given), so the skipped one does not come straight back. It
    stays in the queue for later. Returns the call claimed instead, or None."""
    call_unclaim(touch=touch, user=user)
    return claim_head(
        user_id=user.pk, now=now or timezone.now(), pass_over=touch.pk, audience_id=audience_id
    )


@transaction.atomic
def call_outcome_undo(*, pk: int, user: User) -> Undone:
    """Take back the user's last outcome (followups.undo) and put its call back on
    their card: the next call they were given meanwhile goes back to the queue."""
    undone = outcome_undo(pk=pk, user=user)
    if undone.again:
        return undone
    for held in selectors.claimed_calls(user).exclude(pk=undone.touch.pk):
        call_unclaim(touch=held, user=user)
    return undone
