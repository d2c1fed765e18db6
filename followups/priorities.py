"""The lead's score in its call's priority.

An open call's priority is its base (the rule's priority, or that of the call
it follows on from) plus a bonus for the lead's score:

    bonus = min(score // 10, 30), and never below 0

so a lead at 63 points is called before an equally urgent call to a lead at 5
(+6 against +0), and no score outranks a call-back (80) from a 50 by more than
30. The queue's order is unchanged (-priority, due_at, id): the claim statement
reads priority as before.

The bonus travels as a change rather than being recomputed: a call planned by a
rule gets the lead's current bonus, a call that follows on from another keeps
that call's priority (bonus included), and when scores change
(crm.scoring.services) each affected lead's open call moves by the difference of
its two bonuses, in one UPDATE per batch of leads. The calls are locked before
their leads, the order logging a call takes them in.
"""

from collections import defaultdict

from django.db.models import Case, F, Value, When

from crm.scoring.services import ScoreChange
from followups.models import Channel, Touch

SCORE_BONUS_MAX = 30


def score_bonus(score: int) -> int:
    return max(0, min(score // 10, SCORE_BONUS_MAX))


def _open_calls(lead_ids):
    return Touch.objects.filter(
        lead_id__any=list(lead_ids), channel=Channel.CALL, status__in=Touch.OPEN
    )


def open_calls_lock(lead_ids: list[int]) -> None:
    list(_open_calls(lead_ids).select_for_update().order_by("pk").values_list("pk", flat=True))


def call_priorities_follow(changes: list[ScoreChange]) -> int:
    """Move each lead's open call by its change of bonus; calls changed."""
    by_delta: dict[int, list[int]] = defaultdict(list)
    for change in changes:
        if delta := score_bonus(change.new) - score_bonus(change.old):
            by_delta[delta].append(change.lead_id)
    if not by_delta:
        return 0
    delta = Case(
        *(When(lead_id__any=ids, then=Value(delta)) for delta, ids in by_delta.items()),
        default=Value(0),
    )
    lead_ids = [lead_id for ids in by_delta.values() for lead_id in ids]
    return _open_calls(lead_ids).update(priority=F("priority") + delta)
