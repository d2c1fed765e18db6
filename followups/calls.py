"""Working the call queue: claiming the next call, and what each outcome plans next."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, Lead, User
from crm.outcomes import CallOutcome as Outcome
from crm.services import (
    interaction_record,
    lead_calls_pause,
    lead_do_not_call_set,
    lead_phone_invalid_set,
    lead_stage_advance,
)
from followups import selectors
from followups.calling_hours import holidays_around, next_business_start
from followups.claiming import claim_head
from followups.models import Channel, Touch
from followups.services import lead_call_barred, touch_schedule, touches_cancel

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
    rep's card must not outlive that): then it is cancelled, added to `dropped`
    with the reason, and the next call claimed. Two reps asking at once get
    different calls (followups.claiming)."""
    now = now or timezone.now()
    while True:
        claimed = claim_head(
            user_id=user.pk, now=now, unless_holding_one=True, audience_id=audience_id
        )
        held = claimed or selectors.current_call(user)
        reason = lead_call_barred(held.lead, now) if held and not claimed else ""
        if not reason:
            return held
        Touch.objects.filter(pk=held.pk, status=Touch.Status.CLAIMED).update(
            status=Touch.Status.CANCELLED, outcome=reason[:100]
        )
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
    """Record the call, close the touch, and plan what comes next for the lead."""
    touch = Touch.objects.select_for_update().select_related("lead").get(pk=touch.pk)
    if touch.status not in Touch.OPEN:
        raise ValidationError("This call has been logged already.")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [f"“{outcome}” is not a call outcome."]})
    if outcome == Outcome.CALL_BACK and call_back_at is None:
        raise ValidationError({"call_back_at": ["When should we call back?"]})
    now = timezone.now()
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
    NEXT_STEP[outcome](touch=touch, call=call, user=user, now=now, call_back_at=call_back_at)
    return call


def _next_business_day(lead: Lead, now: dt.datetime, days: int = 1) -> dt.datetime:
    holidays = holidays_around(now.date() + dt.timedelta(days=offset) for offset in range(15))
    return next_business_start(now, lead.time_zone, holidays, days=days, country=lead.country)


def _after_interested(*, touch, call, user, now, **_):
    _call_again(
        touch,
        call,
        user,
        due_at=_next_business_day(touch.lead, now, days=2),
        reason="Was interested on the last call: follow up",
        attempt=1,
    )


def _after_no_answer(*, touch, call, user, now, **_):
    if touch.attempt < settings.CALL_ATTEMPTS:
        _call_again(
            touch,
            call,
            user,
            due_at=_next_business_day(touch.lead, now),
            reason=f"No answer ({touch.attempt} of {settings.CALL_ATTEMPTS} tries)",
            attempt=touch.attempt + 1,
        )
    else:
        _email(touch, call, now, reason=f"No answer after {touch.attempt} calls")


def _after_voicemail(*, touch, call, now, **_):
    _email(touch, call, now + dt.timedelta(days=1), reason="Left a voicemail: follow up by email")


def _after_meeting(*, touch, **_):
    touches_cancel(lead=touch.lead, channel=Channel.CALL, outcome="meeting booked")
    lead_stage_advance(lead_id=touch.lead_id, kind=Interaction.Kind.MEETING)


def _after_not_interested(*, touch, now, **_):
    lead_calls_pause(lead_id=touch.lead_id, until=now + NOT_INTERESTED_PAUSE)
    touches_cancel(lead=touch.lead, channel=Channel.CALL, outcome="not interested")


def _after_do_not_call(*, touch, **_):
    lead_do_not_call_set(lead_id=touch.lead_id)
    touches_cancel(lead=touch.lead, channel=Channel.CALL, outcome="do not call")


def _after_wrong_number(*, touch, **_):
    lead_phone_invalid_set(lead_id=touch.lead_id)
    touches_cancel(lead=touch.lead, channel=Channel.CALL, outcome="wrong number")


def _after_call_back(*, touch, call, user, call_back_at, **_):
    _call_again(
        touch,
        call,
        user,
        due_at=call_back_at,
        reason="Asked us to call back then",
        attempt=1,
        priority=max(touch.priority, 80),
    )


def _call_again(touch, call, user, *, due_at, reason, attempt, priority=None):
    _plan_after(
        touch,
        call,
        channel=Channel.CALL,
        due_at=due_at,
        reason=reason,
        assigned_to=user,
        attempt=attempt,
        priority=touch.priority if priority is None else priority,
        talking_points=touch.talking_points,
    )


def _email(touch, call, due_at, *, reason):
    _plan_after(
        touch,
        call,
        channel=Channel.EMAIL,
        due_at=due_at,
        reason=reason,
        assigned_to=touch.assigned_to,
        priority=touch.priority,
    )


def _plan_after(touch, call, *, channel, **planned):
    """The touch a call outcome plans: one per call and channel, whatever reruns."""
    touch_schedule(
        lead=touch.lead,
        channel=channel,
        reason_at=call.occurred_at,
        key=f"call:{call.pk}:{'next' if channel == Channel.CALL else channel}",
        origin="Call outcome",
        interaction=call,
        **planned,
    )


NEXT_STEP = {
    Outcome.INTERESTED: _after_interested,
    Outcome.NOT_INTERESTED: _after_not_interested,
    Outcome.MEETING: _after_meeting,
    Outcome.VOICEMAIL: _after_voicemail,
    Outcome.NO_ANSWER: _after_no_answer,
    Outcome.WRONG_NUMBER: _after_wrong_number,
    Outcome.DO_NOT_CALL: _after_do_not_call,
    Outcome.CALL_BACK: _after_call_back,
}
