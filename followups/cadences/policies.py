"""What a call's outcome does to the cadence it is a step of: go on, try the step
again (up to a cap), jump to a step, finish, or move the lead to another
cadence. Each cadence sets its own; those it leaves unset take the defaults
below, which are what the product did before cadences could be edited."""

import datetime as dt

from django.conf import settings

from crm.outcomes import CallOutcome
from followups.cadences import progress
from followups.cadences.models import CadenceStep, Enrolment, OutcomePolicy, WaitUnit
from followups.cadences.services import enrolment_move
from followups.cadences.timing import wait_from
from followups.models import Touch

Action = OutcomePolicy.Action
CALL_BACK_PRIORITY = 80


def default_policy(outcome: str) -> OutcomePolicy:
    """The policy a cadence has for an outcome it does not set (unsaved)."""
    if outcome == CallOutcome.NO_ANSWER:
        return OutcomePolicy(
            outcome=outcome,
            action=Action.RETRY,
            retry_cap=settings.CALL_ATTEMPTS,
            retry_wait=1,
            retry_wait_unit=WaitUnit.BUSINESS_DAYS,
        )
    ends = (CallOutcome.NOT_INTERESTED, CallOutcome.MEETING)
    return OutcomePolicy(outcome=outcome, action=Action.FINISH if outcome in ends else Action.NEXT)


def policies_for(cadence_id: int) -> dict[str, OutcomePolicy]:
    """Every call outcome's policy for the cadence, set or default."""
    found = {p.outcome: p for p in OutcomePolicy.objects.filter(cadence_id=cadence_id)}
    return {
        outcome: found.get(outcome) or default_policy(outcome)
        for outcome in CallOutcome.values
        if outcome != CallOutcome.CALL_BACK
    }


def enrolment_after_call(
    *, touch: Touch, outcome: str, now: dt.datetime, call_back_at: dt.datetime | None = None
) -> None:
    """Steer the cadence the logged call was a step of (in the caller's transaction)."""
    enrolment = progress.current_enrolment(touch)
    if enrolment is None:
        return
    if outcome == CallOutcome.CALL_BACK:
        _call_back(enrolment, touch, call_back_at or now)
        return
    policy = policies_for(enrolment.cadence_id)[outcome]
    label = CallOutcome(outcome).label
    if policy.action == Action.FINISH:
        progress.enrolment_finish(enrolment, now=now, reason=f"Call: {label}")
    elif policy.action == Action.RETRY and touch.attempt < policy.retry_cap:
        progress.go_to_at(enrolment, touch.step, due_at=_retry_due(policy, enrolment, now), now=now)
    elif policy.action == Action.MOVE or (policy.action == Action.RETRY and policy.move_to_id):
        _move_or_go_on(enrolment, policy, touch, label, now)
    elif policy.action == Action.JUMP and policy.jump_to:
        target = enrolment.cadence.steps.filter(position=policy.jump_to).first()
        progress.go_to(enrolment, target, after=now, now=now)
    else:
        following = progress.following_step(enrolment.cadence, touch.step)
        progress.go_to(enrolment, following, after=now, now=now)


def _move_or_go_on(enrolment, policy, touch, label, now) -> None:
    if policy.move_to_id and policy.move_to_id != enrolment.cadence_id:
        enrolment_move(enrolment=enrolment, to=policy.move_to, reason=f"Call: {label}", now=now)
        return
    following = progress.following_step(enrolment.cadence, touch.step)
    progress.go_to(enrolment, following, after=now, now=now)


def _retry_due(policy: OutcomePolicy, enrolment: Enrolment, now: dt.datetime) -> dt.datetime:
    lead = enrolment.lead
    return wait_from(
        now,
        wait=policy.retry_wait,
        unit=policy.retry_wait_unit,
        time_zone=lead.time_zone,
        country=lead.country,
    )


def _call_back(enrolment: Enrolment, touch: Touch, at: dt.datetime) -> None:
    step: CadenceStep = touch.step
    planned = progress.step_plan(enrolment=enrolment, step=step, after=at, due_at=at)
    if planned is not None and planned.status == Touch.Status.PENDING:
        Touch.objects.filter(pk=planned.pk).update(
            priority=max(planned.priority, CALL_BACK_PRIORITY), assigned_to=touch.claimed_by
        )
