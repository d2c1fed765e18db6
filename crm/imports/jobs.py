"""RQ entry points for imports: load by id, call a service, return."""

from crm import interaction_hooks
from crm.imports import services
from crm.models import Interaction, LeadImport

HOOK_BATCH = 1000  # interactions per run of the batch hooks (e.g. rescoring their leads)


def lead_import_preview(lead_import_id: int) -> None:
    lead_import = LeadImport.objects.filter(pk=lead_import_id).first()
    if lead_import is not None:
        services.lead_import_preview(lead_import=lead_import)


def lead_import_run(lead_import_id: int) -> None:
    lead_import = LeadImport.objects.filter(pk=lead_import_id).first()
    if lead_import is not None:
        services.lead_import_run(lead_import=lead_import)


def lead_import_recorded(lead_import_id: int) -> None:
    """What follows from an import's booth visits, in one job rather than one per row."""
    visits = Interaction.objects.filter(lead_import_id=lead_import_id).select_related(
        "lead", "campaign"
    )
    batch = []
    for interaction in visits.iterator(chunk_size=HOOK_BATCH):
        batch.append(interaction)
        if len(batch) == HOOK_BATCH:
            interaction_hooks.run_many(batch)
            batch = []
    interaction_hooks.run_many(batch)
