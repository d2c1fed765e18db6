"""RQ entry points for crm: load by id, call a service, return."""

from crm import interaction_hooks
from crm.models import Interaction


def interaction_recorded(interaction_id: int) -> None:
    interactions_recorded([interaction_id])


def interactions_recorded(interaction_ids: list[int]) -> None:
    """Run the hooks for each interaction still there (one deleted or merged away
    before the job ran is skipped); a drip batch records its emails in bulk."""
    interactions = Interaction.objects.select_related("lead", "campaign").filter(
        pk__in=interaction_ids
    )
    interaction_hooks.run_many(list(interactions.order_by("id")))
