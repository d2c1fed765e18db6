"""Saving what the builder's page posts: the cadence, its triggers, its steps in
their new order with each one's content (email variants, a letter template), the
steps removed (those on them go where the manager said), and the call outcome
policies that differ from the defaults. One transaction.

Steps, repeats and jumps refer to each other by the page's references (a step's
block prefix), turned into positions here, once the new order is known.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from crm.models import User
from followups.cadences.audiences import cadence_audience_sync
from followups.cadences.models import Cadence, CadenceStep, CadenceTrigger, Channel, OutcomePolicy
from followups.cadences.policies import default_policy
from followups.cadences.services import (
    audit_cadence_changed,
    cadence_audit_values,
    cadence_step_delete,
)
from mailings.letters.models import LetterTemplate, StepLetter
from mailings.models import StepVariant

# Steps are moved this far out of the way before they are numbered again, so the
# unique (cadence, position) never meets two steps on one position mid-way.
POSITION_SHIFT = 1000
Action = OutcomePolicy.Action


@dataclass
class StepDraft:
    step: CadenceStep  # its fields as posted, saved or not
    ref: str
    repeat_ref: str = ""  # the step it goes back to after this one
    variants: list[StepVariant] = field(default_factory=list)  # labelled
    template: LetterTemplate | None = None


@dataclass
class PolicyDraft:
    outcome: str
    action: str
    retry_cap: int
    retry_wait: int
    retry_wait_unit: str
    jump_ref: str = ""
    move_to: Cadence | None = None


@dataclass
class CadenceDraft:
    cadence: Cadence  # its fields as posted
    reps: list[User]
    triggers: list[CadenceTrigger]
    steps: list[StepDraft]
    removed: list[tuple[CadenceStep, str]] = field(default_factory=list)  # (step, send to ref)
    policies: list[PolicyDraft] | None = None  # None: left as they are
    sync_audience: bool = False


@transaction.atomic
def cadence_build(*, draft: CadenceDraft, by: User) -> Cadence:
    """Save the cadence as drafted. Those on a removed step go to the step it names
    (planned from now) or finish (followups' cadence_step_delete)."""
    cadence = draft.cadence
    before = cadence_audit_values(cadence)
    if cadence.pk is None:
        cadence.created_by = by
    cadence.save()
    cadence.reps.set(draft.reps)
    _triggers_save(cadence, draft.triggers)
    positions = {step.ref: position for position, step in enumerate(draft.steps, start=1)}
    _steps_save(cadence, draft.steps, positions)
    for step, send_to in draft.removed:
        cadence_step_delete(step=step, send_to=positions.get(send_to))
    if draft.policies is not None:
        _policies_save(cadence, draft.policies, positions)
    if draft.sync_audience and cadence.is_active:
        cadence_audience_sync(cadence=cadence)
    audit_cadence_changed(cadence=cadence, before=before, by=by)
    return cadence


def _triggers_save(cadence: Cadence, triggers: list[CadenceTrigger]) -> None:
    kept = [trigger.pk for trigger in triggers if trigger.pk]
    cadence.triggers.exclude(pk__in=kept).delete()
    for trigger in triggers:
        trigger.cadence = cadence
        trigger.save()


def _steps_save(cadence: Cadence, drafts: list[StepDraft], positions: dict[str, int]) -> None:
    kept_steps = [draft.step.pk for draft in drafts if draft.step.pk]
    kept_variants = [v.pk for draft in drafts for v in draft.variants if v.pk]
    # Variants taken off a step go first: a new one may take their letter.
    StepVariant.objects.filter(step_id__in=kept_steps).exclude(pk__in=kept_variants).delete()
    cadence.steps.update(position=F("position") + POSITION_SHIFT)
    for draft in drafts:
        step = draft.step
        step.cadence, step.position = cadence, positions[draft.ref]
        step.repeat_from = positions.get(draft.repeat_ref)
        step.save()
        for variant in draft.variants:
            variant.step = step
            variant.save()
        if step.channel == Channel.LETTER and draft.template is not None:
            StepLetter.objects.update_or_create(step=step, defaults={"template": draft.template})


def _policies_save(cadence: Cadence, drafts: list[PolicyDraft], positions: dict[str, int]) -> None:
    """Only what differs from the default is stored; a row set back to the
    default is deleted, so later changes of the defaults reach it."""
    for draft in drafts:
        policy = OutcomePolicy(
            outcome=draft.outcome,
            action=draft.action,
            retry_cap=draft.retry_cap,
            retry_wait=draft.retry_wait,
            retry_wait_unit=draft.retry_wait_unit,
            jump_to=positions.get(draft.jump_ref),
            move_to=draft.move_to,
        )
        wanted = _meaningful(policy)
        if wanted == _meaningful(default_policy(draft.outcome)):
            OutcomePolicy.objects.filter(cadence=cadence, outcome=draft.outcome).delete()
        else:
            OutcomePolicy.objects.update_or_create(
                cadence=cadence, outcome=draft.outcome, defaults=wanted
            )


def _meaningful(policy: OutcomePolicy) -> dict:
    """The fields its action uses; the others as the outcome's default has them."""
    default = default_policy(policy.outcome)
    values = {
        "action": policy.action,
        "retry_cap": default.retry_cap,
        "retry_wait": default.retry_wait,
        "retry_wait_unit": default.retry_wait_unit,
        "jump_to": None,
        "move_to": None,
    }
    if policy.action == Action.RETRY:
        values |= {
            "retry_cap": policy.retry_cap,
            "retry_wait": policy.retry_wait,
            "retry_wait_unit": policy.retry_wait_unit,
            "move_to": policy.move_to,  # after the last try
        }
    elif policy.action == Action.JUMP:
        values["jump_to"] = policy.jump_to
    elif policy.action == Action.MOVE:
        values["move_to"] = policy.move_to
    return values
