"""The builder's page, once checked, as drafts for cadence_build (services): the
cadence, its triggers, steps with their variants, removed steps with where their
people go, and the outcome policies."""

from mailings.cadences.builder.blocks import PolicyRow, StepBlock
from mailings.cadences.builder.page import CadenceBuilder
from mailings.cadences.builder.services import CadenceDraft, PolicyDraft, StepDraft


def cadence_draft(builder: CadenceBuilder) -> CadenceDraft:
    """What builder.is_valid() checked, for cadence_build (services)."""
    cadence = builder.form.save(commit=False)
    changed = set(builder.form.changed_data)
    return CadenceDraft(
        cadence=cadence,
        reps=list(builder.form.cleaned_data["reps"]),
        triggers=[block.form.save(commit=False) for block in builder.triggers],
        steps=[_step_draft(block) for block in builder.steps],
        removed=[(block.instance, _send_to(block)) for block in builder.removed],
        policies=[_policy_draft(row) for row in builder.policies] if builder.has_calls else None,
        sync_audience=bool(
            cadence.audience_id and changed & {"audience", "exit_on_audience_leave"}
        ),
    )


def _step_draft(block: StepBlock) -> StepDraft:
    step = block.form.save(commit=False)
    variants = []
    for variant_block in block.variants:
        variant = variant_block.form.save(commit=False)
        variant.label = variant_block.label
        variants.append(variant)
    data = block.form.cleaned_data
    return StepDraft(
        step=step,
        ref=block.prefix,
        repeat_ref=data.get("repeat_from", ""),
        variants=variants,
        template=data.get("template"),
    )


def _send_to(block: StepBlock) -> str:
    """The step those on a removed one go to ("" or FINISH: none)."""
    return block.send_to.cleaned_data.get("send_to", "") if block.send_to.is_bound else ""


def _policy_draft(row: PolicyRow) -> PolicyDraft:
    data = row.form.cleaned_data
    return PolicyDraft(
        outcome=row.outcome,
        action=data["action"],
        retry_cap=data["retry_cap"],
        retry_wait=data["retry_wait"],
        retry_wait_unit=data["retry_wait_unit"],
        jump_ref=data.get("jump_to", ""),
        move_to=data.get("move_to"),
    )
