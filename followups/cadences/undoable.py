"""Steps that cannot be done when they fall due are skipped with their reason, and
the cadence goes on: a call to a lead with no phone, a wrong number, a do not
call or calls paused; a personal email to a lead who may not be emailed (the
check mailings registers). Emails and letters are checked by their senders
(mailings), which skip them the same way. Run by each scheduler pass."""

import datetime as dt

from django.db.models import Q

from followups import channels
from followups.cadences.models import Channel
from followups.models import Touch
from followups.services import touches_skip

CALL_BARS = (
    (Q(lead__do_not_call=True), "they asked not to be called"),
    (Q(lead__phone_invalid=True), "the number is wrong"),
    (Q(lead__phone=""), "there is no phone number"),
)
CHECKED_PER_PASS = 500


def undoable_steps_skip(*, now: dt.datetime) -> int:
    due = Touch.objects.filter(
        enrolment__isnull=False, status=Touch.Status.PENDING, due_at__lte=now
    )
    skipped = 0
    calls = due.filter(channel=Channel.CALL)
    for bar, reason in CALL_BARS:
        skipped += touches_skip(touch_ids=calls.filter(bar), outcome=reason, now=now)
    paused = calls.filter(lead__calls_paused_until__gt=now)
    skipped += touches_skip(touch_ids=paused, outcome="calls to them are paused", now=now)
    return skipped + _checked_by_channel(due, Channel.PERSONAL_EMAIL, now)


def _checked_by_channel(due, channel: str, now: dt.datetime) -> int:
    check = channels.check_for(channel)
    if check is None:
        return 0
    skipped = 0
    touches = due.filter(channel=channel).select_related("lead").order_by("due_at")
    for touch in touches[:CHECKED_PER_PASS]:
        if reason := check(touch.lead):
            skipped += touches_skip(touch_ids=[touch.pk], outcome=reason, now=now)
    return skipped
