"""Working the call queue: claiming the next call, logging what came of it (what
it means for the lead here; what it means for its cadence in
followups.cadences.policies), skipping a call for now, and taking an outcome
back (followups.queue.undo)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, User
from crm.outcomes import CallOutcome as Outcome
from crm.services import (
    interaction_record,
    lead_calls_pause,
    lead_do_not_call_set,
    lead_phone_invalid_set,
    lead_stage_advance,
)
from followups.cadences.policies import CALL_BACK_PRIORITY, enrolment_after_call
from followups.ledger import lead_call_barred, touch_schedule
from followups.models import Channel, Touch
from followups.queue import selectors
from followups.queue.claiming import claim_head
from followups.queue.undo import Undone, outcome_before, outcome_undo, outcome_undo_record
from followups.services import touches_skip, touches_skip_open

OUTCOME_KEYS = dict(zip(Outcome.values, "12345678", strict=True))
OUTCOME_SENTIMENT = {
    Outcome.INTERESTED: Interaction.Sentiment.POSITIVE,
    Outcome.MEETING: Interaction.Sentiment.POSITIVE,
    Outcome.NOT_INTERESTED: Interaction.Sentiment.NEGATIVE,
    Outcome.DO_NOT_CALL: Interaction.Sentiment.NEGATIVE,
}
NOT_INTERESTED_PAUSE = dt.timedelta(days=90)


def call_claim_next(
    *,
    user: User,
    now: dt.datetime | None = None,
    audience_id: int | None = None,
    dropped: list[tuple[Touch, str]] | None = None,
) -> Touch | None:
    """The user's next call (to a member of the audience, if given), claimed so no
    one else gets it. A call already claimed and not logged comes back first, unless
    its lead may no longer be called (marked do not call, the number found wrong,
    calls paused since the claim: the queue keeps such leads out, and a call on a
    rep's card must not outlive that): then it is skipped, added to `dropped`
    with the reason, and the next call claimed. Two reps asking at once get
    different calls (followups.queue.claiming)."""
    now = now or timezone.now()
    while True:
        claimed = claim_head(
            user_id=user.pk, now=now, unless_holding_one=True, audience_id=audience_id
        )
        held = claimed or selectors.current_call(user)
        reason = lead_call_barred(held.lead, now) if held and not claimed else ""
        if not reason:
            return held
        touches_skip(touch_ids=[held.pk], outcome=reason)
        if dropped is not None:
            dropped.append((held, reason))


def calls_release_abandoned(*, now: dt.datetime | None = None) -> int:
    """Claims older than the timeout go back to the queue (the rep left)."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.CALL_CLAIM_TIMEOUT_MINUTES)
    return Touch.objects.filter(
        channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_at__lt=cutoff
    ).update(status=Touch.Status.PENDING, claimed_by=None, claimed_at=None)


@transaction.atomic
def call_log_outcome(
    *,
    touch: Touch,
    user: User,
    outcome: str,
    notes: str = "",
    call_back_at: dt.datetime | None = None,
) -> Interaction:
    """Record the call, close the touch, and plan what comes next for the lead;
    what it changed is kept so its rep may take it back (followups.queue.undo)."""
    touch = Touch.objects.select_for_update().select_related("lead").get(pk=touch.pk)
    if touch.status not in Touch.OPEN:
        raise ValidationError("This call has been logged already.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [f"“{outcome}” is not a call outcome."]})
    if outcome == Outcome.CALL_BACK and call_back_at is None:
        raise ValidationError({"call_back_at": ["When should we call back?"]})
    now = timezone.now()
    before = outcome_before(touch=touch)
    call, _ = interaction_record(
        lead=touch.lead,
        kind=Interaction.Kind.CALL,
        outcome=outcome,
        sentiment=OUTCOME_SENTIMENT.get(outcome, ""),
        notes=notes,
        user=user,
        source="queue",
        data={"touch": touch.pk, "attempt": touch.attempt, "outcome": outcome},
    )
    touch.status, touch.completed_at, touch.outcome = Touch.Status.DONE, now, outcome
    touch.save(update_fields=["status", "completed_at", "outcome"])
    _lead_effects(touch, outcome, now, user)
    if touch.enrolment_id:
        enrolment_after_call(touch=touch, outcome=outcome, now=now, call_back_at=call_back_at)
    elif outcome == Outcome.CALL_BACK:
        _call_back_outside_cadences(touch, call, user, call_back_at)
    outcome_undo_record(touch=touch, interaction=call, user=user, before=before)
    return call


def _lead_effects(touch: Touch, outcome: str, now: dt.datetime, user: User) -> None:
    """What the outcome says about the lead, whatever cadence the call was in: its
    other open calls are skipped when it may not be called any more."""
    lead_id, stop_calls = touch.lead_id, ""
    if outcome == Outcome.MEETING:
        lead_stage_advance(lead_id=lead_id, kind=Interaction.Kind.MEETING, by=user)
        stop_calls = "meeting booked"
    elif outcome == Outcome.NOT_INTERESTED:
        lead_calls_pause(lead_id=lead_id, until=now + NOT_INTERESTED_PAUSE)
        stop_calls = "not interested"
    elif outcome == Outcome.DO_NOT_CALL:
        lead_do_not_call_set(lead_id=lead_id, by=user)
        stop_calls = "do not call"
    elif outcome == Outcome.WRONG_NUMBER:
        lead_phone_invalid_set(lead_id=lead_id)
        stop_calls = "wrong number"
    if stop_calls:
        touches_skip_open(lead=touch.lead, channel=Channel.CALL, outcome=stop_calls)


def _call_back_outside_cadences(touch: Touch, call: Interaction, user: User, at) -> None:
    """A call outside any cadence (planned by hand) asked to be called back."""
    touch_schedule(
        lead=touch.lead,
        channel=Channel.CALL,
        due_at=at,
        reason="Asked us to call back then",
        reason_at=call.occurred_at,
        key=f"call:{call.pk}:next",
        origin="Call outcome",
        interaction=call,
        assigned_to=user,
        priority=max(touch.priority, CALL_BACK_PRIORITY),
        talking_points=touch.talking_points,
    )


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
    """Take back the user's last outcome (followups.queue.undo) and put its call back on
    their card: the next call they were given meanwhile goes back to the queue."""
    undone = outcome_undo(pk=pk, user=user)
    if undone.again:
        return undone
    for held in selectors.claimed_calls(user).exclude(pk=undone.touch.pk):
        call_unclaim(touch=held, user=user)
    return undone
