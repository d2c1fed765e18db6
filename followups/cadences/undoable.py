"""Steps that cannot be done when they fall due are skipped with their reason, and
the cadence goes on: a call to a lead with no phone, a wrong number, a do not
call or calls paused; a personal email to a lead who may not be emailed (the
check mailings registers). Emails and letters are checked by their senders
(mailings), which skip them the same way. Run by each scheduler pass."""

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Case, CharField, Q, Value, When

from followups import channels
from followups.cadences.models import Channel
from followups.models import Touch
from followups.services import touches_skip

CALL_BARS = (
    (Q(lead__do_not_call=True), "they asked not to be called"),
    (Q(lead__phone_invalid=True), "the number is wrong"),
    (Q(lead__phone=""), "there is no phone number"),
)
PAUSED = "calls to them are paused"
CHECKED_PER_PASS = 500


def undoable_steps_skip(*, now: dt.datetime) -> int:
    due = Touch.objects.filter(
        enrolment__isnull=False, status=Touch.Status.PENDING, due_at__lte=now
    )
    return _calls_barred(due, now) + _checked_by_channel(due, Channel.PERSONAL_EMAIL, now)


def _calls_barred(due, now: dt.datetime) -> int:
    """Every due call whose lead may not be called, found in one statement (each
    pass reads the due calls once, however many bars there are), skipped with
    the first bar's reason."""
    bars = [*CALL_BARS, (Q(lead__calls_paused_until__gt=now), PAUSED)]
    barred = (
        due.filter(channel=Channel.CALL)
        .filter(reduce(or_, (bar for bar, _ in bars)))
        .annotate(
            why=Case(
                *(When(bar, then=Value(reason)) for bar, reason in bars),
                output_field=CharField(),
            )
        )
        .values_list("pk", "why")
    )
    by_reason: dict[str, list[int]] = {}
    for touch_id, reason in barred:
        by_reason.setdefault(reason, []).append(touch_id)
    return sum(
        touches_skip(touch_ids=ids, outcome=reason, now=now) for reason, ids in by_reason.items()
    )


def _checked_by_channel(due, channel: str, now: dt.datetime) -> int:
    """The channel's check (mailings': consent and suppression for a personal
    email) for the first due touches, all their leads asked at once."""
    check_many = channels.check_many_for(channel)
    if check_many is None:
        return 0
    touches = list(
        due.filter(channel=channel).select_related("lead").order_by("due_at")[:CHECKED_PER_PASS]
    )
    reasons = check_many([touch.lead for touch in touches]) if touches else []
    by_reason: dict[str, list[int]] = {}
    for touch, reason in zip(touches, reasons, strict=True):
        if reason:
            by_reason.setdefault(reason, []).append(touch.pk)
    return sum(
        touches_skip(touch_ids=ids, outcome=reason, now=now) for reason, ids in by_reason.items()
    )
