"""RQ entry points for crm: load by id, call a service, return."""

from django.db.models import Exists, OuterRef

from crm import interaction_hooks
from crm.models import Interaction
from crm.privacy.models import Erasure


def interaction_recorded(interaction_id: int) -> None:
    interactions_recorded([interaction_id])


def interactions_recorded(interaction_ids: list[int]) -> None:
    """Run the hooks for each interaction still there (one deleted or merged away
    before the job ran is skipped); a drip batch records its emails in bulk. What
    is recorded for an erased person (crm.privacy) is kept, and plans nothing."""
    interactions = (
        Interaction.objects.select_related("lead", "campaign")
        .filter(pk__in=interaction_ids)
        .exclude(Exists(Erasure.objects.filter(lead_id=OuterRef("lead_id"))))
    )
    interaction_hooks.run_many(list(interactions.order_by("id")))
