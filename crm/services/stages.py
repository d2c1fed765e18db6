"""How interactions move a lead along its stages (new, working, qualified,
customer), one at a time or a batch's set-based."""

from collections import Counter
from collections.abc import Sequence

from django.db import transaction

from crm.audit.models import AuditEntry
from crm.audit.services import audit_entry, audit_lead_changes, audit_record_many, lead_changes
from crm.models import Interaction, Lead, User

# Interaction kinds that move a lead forward, and the stages they move it from.
STAGE_PROGRESS = {
    Interaction.Kind.PURCHASE: (
        Lead.Stage.CUSTOMER,
        [Lead.Stage.NEW, Lead.Stage.WORKING, Lead.Stage.QUALIFIED, Lead.Stage.LOST],
    ),
    Interaction.Kind.MEETING: (Lead.Stage.QUALIFIED, [Lead.Stage.NEW, Lead.Stage.WORKING]),
    Interaction.Kind.CALL: (Lead.Stage.WORKING, [Lead.Stage.NEW]),
    Interaction.Kind.EMAIL_REPLIED: (Lead.Stage.WORKING, [Lead.Stage.NEW]),
}


def lead_progress_stage(*, interaction: Interaction) -> None:
    """A purchase makes a customer, a meeting qualifies, a first call starts work."""
    lead_stage_advance(lead_id=interaction.lead_id, kind=interaction.kind, by=interaction.user)


def leads_progress_stage(*, interactions: Sequence[Interaction]) -> None:
    """lead_progress_stage for a batch (an import's visits), set-based: the leads
    one interaction moves, one UPDATE per kind with their audit entries in one
    INSERT; a lead that several of the batch's interactions move is moved by each
    in turn, as one by one (each leaves an entry only when it moved the lead)."""
    moving = [i for i in interactions if i.kind in STAGE_PROGRESS]
    per_lead = Counter(i.lead_id for i in moving)
    singles: dict[str, list[Interaction]] = {}
    for interaction in moving:
        if per_lead[interaction.lead_id] > 1:
            lead_progress_stage(interaction=interaction)
        else:
            singles.setdefault(interaction.kind, []).append(interaction)
    for kind, those in singles.items():
        _stage_advance_many(kind=kind, interactions=those)


@transaction.atomic
def _stage_advance_many(*, kind: str, interactions: list[Interaction]) -> None:
    stage, from_stages = STAGE_PROGRESS[kind]
    by_lead = {i.lead_id: i for i in interactions}
    moving = Lead.objects.select_for_update().filter(pk__in=list(by_lead), stage__in=from_stages)
    old = dict(moving.order_by("pk").values_list("pk", "stage"))
    if not old:
        return
    Lead.objects.filter(pk__in=list(old)).update(stage=stage)
    users = User.objects.in_bulk({by_lead[pk].user_id for pk in old} - {None})
    label = Interaction.Kind(kind).label
    audit_record_many(
        audit_entry(
            action=AuditEntry.Action.CHANGED,
            by=users.get(by_lead[pk].user_id),
            lead_id=pk,
            changes=lead_changes({"stage": was}, {"stage": stage}),
            note=label,
        )
        for pk, was in old.items()
    )


@transaction.atomic
def lead_stage_advance(*, lead_id: int, kind: str, by: User | None = None) -> None:
    """Move the lead forward as one interaction of this kind does (STAGE_PROGRESS),
    also for what is known before it is recorded: a call booking a meeting."""
    progress = STAGE_PROGRESS.get(kind)
    if not progress:
        return
    stage, from_stages = progress
    moving = Lead.objects.select_for_update().filter(pk=lead_id, stage__in=from_stages)
    old = moving.values_list("stage", flat=True).first()
    if old is not None and moving.update(stage=stage):
        label = Interaction.Kind(kind).label
        audit_lead_changes(
            lead_id=lead_id, before={"stage": old}, after={"stage": stage}, by=by, note=label
        )
