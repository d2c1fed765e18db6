"""A lead's way through a cadence: plan a step as a touch, and when a touch is
closed (done or skipped) go on to the next step, repeat one, or finish.

The enrolment row says which step and attempt is current; a touch that closes
moves its enrolment on only while it is that current one, under the
enrolment's row lock, so a job run twice (a killed worker, a Redis flush)
advances once. Each planned touch has a key per enrolment, step and attempt.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from crm.models import User
from crm.roles import Role
from followups import channels
from followups.assigning import lead_assignee, least_busy, people_with_role
from followups.cadences.models import Cadence, CadenceStep, Channel, Enrolment
from followups.cadences.timing import step_due
from followups.calling_hours import Holidays
from followups.ledger import touch_schedule
from followups.models import Touch
from followups.priorities import score_bonus

MARKETING_PRIORITY = 40  # emails and letters: below the reps' default
CALLS_BARRED = "calls to them are barred"  # a skipped call's outcome


def step_key(enrolment_id: int, step_id: int, attempt: int) -> str:
    return f"cadence:{enrolment_id}:step:{step_id}:{attempt}"


def step_plan(
    *,
    enrolment: Enrolment,
    step: CadenceStep,
    after: dt.datetime,
    attempt: int | None = None,
    due_at: dt.datetime | None = None,
    holidays: Holidays | None = None,
) -> Touch | None:
    """The step's touch for the lead, due its wait after `after`, and the enrolment
    on it. Planned once per (enrolment, step, attempt). Whether the step can be
    done (a phone, an address, consent) is checked when it is due."""
    lead = enrolment.lead
    attempt = attempt or next_attempt(enrolment, step)
    if due_at is None:
        due_at = step_due(
            step,
            after=after,
            enrolled_at=enrolment.enrolled_at,
            time_zone=lead.time_zone,
            country=lead.country,
            holidays=holidays,
        )
    touch = touch_schedule(**step_touch_fields(enrolment, step, attempt), due_at=due_at)
    Enrolment.objects.filter(pk=enrolment.pk).update(step=step, attempt=attempt)
    enrolment.step, enrolment.attempt = step, attempt
    if touch is None or touch.key != step_key(enrolment.pk, step.pk, attempt):
        # A call the lead may not get, or folded into a call planned already.
        why = CALLS_BARRED if touch is None else "folded into a call already planned"
        touch = _skipped(enrolment, step, attempt, due_at, why)
    return touch


PICK = object()  # step_touch_fields: pick who works the touch (assignee)


def step_touch_fields(
    enrolment: Enrolment, step: CadenceStep, attempt: int, *, assigned_to=PICK
) -> dict:
    """What a step's touch says, wherever it is written (the bulk paths too, which
    pick the person for a batch themselves and pass `assigned_to`)."""
    cadence, lead = enrolment.cadence, enrolment.lead
    rep_work = step.channel in (Channel.CALL, Channel.PERSONAL_EMAIL, Channel.TASK)
    priority = step.priority if rep_work else MARKETING_PRIORITY
    if step.channel == Channel.CALL:
        priority += score_bonus(lead.score)
    if assigned_to is PICK:
        assigned_to = assignee(cadence, lead) if rep_work else lead.owner
    return {
        "lead": lead,
        "channel": step.channel,
        "reason": _reason(enrolment, step),
        "reason_at": enrolment.enrolled_at,
        "key": step_key(enrolment.pk, step.pk, attempt),
        "origin": f"Cadence: {cadence.name}"[:100],
        "priority": priority,
        "assigned_to": assigned_to,
        "talking_points": step.script,
        "interaction": enrolment.interaction,
        "enrolment": enrolment,
        "step": step,
        "attempt": attempt,
    }


# step.get_channel_display()'s words, read once: it builds the choices again each
# call (a touch each of an import's thousands).
CHANNEL_LABELS = {value: str(label) for value, label in Channel.choices}


def _reason(enrolment: Enrolment, step: CadenceStep) -> str:
    channel = CHANNEL_LABELS.get(step.channel, step.channel).lower()
    return f"{enrolment.cadence.name}, step {step.position} ({channel}): {enrolment.source}"[:300]


def assignee(cadence: Cadence, lead) -> User | None:
    """Who works a call, personal email or task: the lead's owner, or for a
    manager's play the least busy manager (crm.roles)."""
    if cadence.assign == Cadence.Assign.MANAGER:
        return least_busy(people_with_role(Role.MANAGER))
    reps = list(cadence.reps.all()) if cadence.assign == Cadence.Assign.REPS else []
    return lead_assignee(lead, pick=lambda: least_busy(reps or people_with_role(Role.REP)))


def next_attempt(enrolment: Enrolment, step: CadenceStep) -> int:
    tried = Touch.objects.filter(enrolment=enrolment, step=step).aggregate(n=Max("attempt"))["n"]
    return (tried or 0) + 1


def _skipped(enrolment, step, attempt, due_at, why: str) -> Touch:
    fields = step_touch_fields(enrolment, step, attempt)
    now = timezone.now()
    touch, _ = Touch.objects.get_or_create(
        key=fields.pop("key"),
        defaults=fields
        | {
            "due_at": due_at,
            "status": Touch.Status.SKIPPED,
            "outcome": why[:100],
            "completed_at": now,
        },
    )
    return touch


# Going on


def enrolments_advance(*, touch_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """After touches closed (done or skipped): each enrolment whose current step
    they were goes on. Returns how many moved."""
    now = now or timezone.now()
    touches = list(
        Touch.objects.filter(pk__in=list(touch_ids), enrolment__isnull=False)
        .exclude(status__in=Touch.OPEN)
        .order_by("pk")
        .values_list("enrolment_id", "step_id", "attempt", "completed_at")
    )
    return enrolments_advance_closed(closed=touches, now=now)


def enrolments_advance_closed(*, closed: list[tuple], now: dt.datetime) -> int:
    """enrolments_advance for touches closed already, given as (enrolment id, step
    id, attempt, closed at), in the touches' order. A batch (a mail job's hundred
    emails) is locked in one query, without loading a row; those finishing end in
    one UPDATE, and only those with a next step are loaded and plan it one by one."""
    if not closed:
        return 0
    with transaction.atomic():
        current = _current_enrolments(closed)
        steps = _steps_by_cadence({cadence_id for cadence_id, _, _ in current.values()})
        finished, going_on = [], []
        for enrolment_id, step_id, attempt, completed_at in closed:
            cadence_id, *on = current.get(enrolment_id, (None, None, None))
            if cadence_id is None or on != [step_id, attempt]:
                continue  # moved on already (a job run twice), ended, or another step
            del current[enrolment_id]
            following = following_in(steps[cadence_id], step_id)
            if following is None:
                finished.append(enrolment_id)
            else:
                going_on.append((enrolment_id, following, completed_at or now))
        Enrolment.objects.filter(pk__in=finished, status=Enrolment.Status.ACTIVE).update(
            status=Enrolment.Status.FINISHED, ended_at=now, exit_reason="Went through every step"
        )
        _go_on(going_on, now)
    return len(finished) + len(going_on)


def _go_on(going_on: list[tuple], now: dt.datetime) -> None:
    """Each enrolment to its next step (locked already), loaded with what planning
    a step reads."""
    loaded = Enrolment.objects.select_related("cadence", "lead__owner").in_bulk(
        [enrolment_id for enrolment_id, _, _ in going_on]
    )
    for enrolment_id, following, after in going_on:
        go_to(loaded[enrolment_id], following, after=after, now=now)


def _current_enrolments(touches: list[tuple]) -> dict[int, tuple[int, int, int]]:
    """The touches' enrolments, locked, of those touches that are their current
    step: each one's cadence, step and attempt."""
    current_step = {
        enrolment_id: (step_id, attempt) for enrolment_id, step_id, attempt, _ in touches
    }
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(pk__in=list(current_step), status=Enrolment.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "cadence_id", "step_id", "attempt")
    )
    return {
        pk: (cadence_id, step_id, attempt)
        for pk, cadence_id, step_id, attempt in locked
        if (step_id, attempt) == current_step[pk]
    }


def _steps_by_cadence(cadence_ids: set[int]) -> dict[int, list[CadenceStep]]:
    steps: dict[int, list[CadenceStep]] = {cadence_id: [] for cadence_id in cadence_ids}
    for step in CadenceStep.objects.filter(cadence__in=cadence_ids).order_by("position"):
        steps[step.cadence_id].append(step)
    return steps


def following_in(steps: list[CadenceStep], step_id: int | None) -> CadenceStep | None:
    """following_step, over a cadence's steps read already (by position)."""
    step = next((candidate for candidate in steps if candidate.pk == step_id), None)
    if step is None:
        return None  # its step was deleted: cadence_step_delete said where they go
    if step.repeat_from:
        return next((s for s in steps if s.position >= step.repeat_from), None)
    return next((s for s in steps if s.position > step.position), None)


def current_enrolment(touch: Touch) -> Enrolment | None:
    """The touch's enrolment, locked, while the touch is its current step."""
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cadence", "lead__owner")
        .filter(
            pk=touch.enrolment_id,
            status=Enrolment.Status.ACTIVE,
            step_id=touch.step_id,
            attempt=touch.attempt,
        )
        .first()
    )


def following_step(cadence: Cadence, step: CadenceStep | None) -> CadenceStep | None:
    """The step after this one: the next position, or where it repeats from."""
    steps = cadence.steps.order_by("position")
    if step is None:
        return steps.first()
    if step.repeat_from:
        return steps.filter(position__gte=step.repeat_from).first()
    return steps.filter(position__gt=step.position).first()


SKIP_CHAIN_LIMIT = 50  # a cadence whose every step is skipped ends instead of looping


def go_to(
    enrolment: Enrolment,
    step: CadenceStep | None,
    *,
    after: dt.datetime,
    now: dt.datetime,
    reason: str = "",
) -> None:
    """Put the enrolment on `step` (planned after `after`), or finish it when there
    is none. A step skipped at once (a call the lead may not get) moves on."""
    for _ in range(SKIP_CHAIN_LIMIT):
        if step is None:
            enrolment_finish(enrolment, now=now, reason=reason or "Went through every step")
            return
        touch = step_plan(enrolment=enrolment, step=step, after=after)
        if touch is None or touch.status != Touch.Status.SKIPPED:
            return
        step, after = following_step(enrolment.cadence, step), now
    enrolment_finish(enrolment, now=now, reason="Every step was skipped")


def go_to_at(
    enrolment: Enrolment, step: CadenceStep | None, *, due_at: dt.datetime, now: dt.datetime
) -> None:
    """Put the enrolment on `step` due at a given time (a call back, a resume)."""
    if step is None:
        enrolment_finish(enrolment, now=now, reason="Went through every step")
        return
    touch = step_plan(enrolment=enrolment, step=step, after=now, due_at=due_at)
    if touch is not None and touch.status == Touch.Status.SKIPPED:
        go_to(enrolment, following_step(enrolment.cadence, step), after=now, now=now)


def enrolment_finish(enrolment: Enrolment, *, now: dt.datetime, reason: str = "") -> None:
    Enrolment.objects.filter(pk=enrolment.pk, status__in=Enrolment.OPEN).update(
        status=Enrolment.Status.FINISHED, ended_at=now, exit_reason=reason[:200]
    )
    enrolment.status = Enrolment.Status.FINISHED


def step_check(touch: Touch) -> str:
    """Why the touch's step cannot be done for its lead now, in a rep's words ("" when
    it can): the channel's check, as the delivering app registered it."""
    check = channels.check_for(touch.channel)
    return check(touch.lead) if check else ""
