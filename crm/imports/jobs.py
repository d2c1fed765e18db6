"""RQ entry points for imports: load by id, call a service, return."""

import datetime as dt

from config.jobs import enqueue
from crm import interaction_hooks
from crm.imports import services
from crm.imports.undo import services as undo
from crm.models import Interaction, LeadImport, User

# Booth visits per follow-up job, and per run of the hooks, set-based (a few
# statements a batch: about 2 s of a 600 s job timeout on PostgreSQL).
HOOK_BATCH = 5000
# A visit's lead's fields no set-based hook reads (the name, address and history
# columns): not loaded, as each timestamp parsed and each field set costs
# Python time five thousand times a batch. A hook reading one anyway still gets
# it (Django loads a deferred field on access), one query a lead.
LEAD_FIELDS_HOOKS_SKIP = (
    "name_prefix", "name_suffix", "phone_raw", "phone_ext", "title", "address_line1",
    "address_line2", "city", "region", "postal_code", "email_consent_at",
    "email_consent_method", "email_consent_text_version", "address_undeliverable_at",
    "referred_by", "score_computed_at", "other_contacts", "created_at", "updated_at",
    "last_activity_at",
)  # fmt: skip


@services.LEAD_IMPORT_PREVIEW.runs
def lead_import_preview(lead_import_id: int) -> None:
    lead_import = LeadImport.objects.filter(pk=lead_import_id).first()
    if lead_import is not None:
        services.lead_import_preview(lead_import=lead_import)


@services.LEAD_IMPORT_RUN.runs
def lead_import_run(lead_import_id: int) -> None:
    lead_import = LeadImport.objects.filter(pk=lead_import_id).first()
    if lead_import is not None:
        services.lead_import_run(lead_import=lead_import)


def lead_imports_reap(now: str) -> None:
    """The periodic task (every minute): imports whose worker died are failed."""
    services.lead_imports_reap(now=dt.datetime.fromisoformat(now))


@services.LEAD_IMPORT_RECORDED.runs
def lead_import_recorded(lead_import_id: int, after_id: int = 0) -> None:
    """What follows from an import's booth visits (next touches, drips, scores,
    audiences), HOOK_BATCH visits a job, set-based (interaction_hooks.run_set_based):
    each job then queues the next, from the last visit it handled, so a list of
    any length never meets the queue's job timeout, and a job run twice does
    nothing twice (the hooks are idempotent)."""
    # The batch's ids first (the primary key's order, from after_id), then its
    # rows: one query with the join and the order planned a hash of every lead
    # and a sort of every visit left, per batch.
    ids = list(
        Interaction.objects.filter(lead_import_id=lead_import_id, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:HOOK_BATCH]
    )
    batch = visits_for_hooks(ids)
    interaction_hooks.run_set_based(batch)
    if len(batch) == HOOK_BATCH:
        enqueue(lead_import_recorded, lead_import_id, batch[-1].pk)


@undo.LEAD_IMPORT_UNDO.runs
def lead_import_undo(lead_import_id: int, user_id: int) -> None:
    lead_import = LeadImport.objects.filter(pk=lead_import_id).first()
    if lead_import is not None:
        by = User.objects.filter(pk=user_id).first()
        undo.lead_import_undo_queued(lead_import=lead_import, by=by)


def visits_for_hooks(ids: list[int]) -> list[Interaction]:
    """A batch's visits as the set-based hooks read them, in id order."""
    visits = (
        Interaction.objects.filter(pk__any=ids)
        .select_related("lead")
        .defer(*(f"lead__{name}" for name in LEAD_FIELDS_HOOKS_SKIP))
        # The import's one or few campaigns, read once and shared, not one a visit.
        .prefetch_related("campaign")
    )
    return list(visits.order_by("pk"))
