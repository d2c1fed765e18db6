"""RQ entry points for crm: load by id, call a service, return."""

from crm import interaction_hooks
from crm.models import Interaction


def interaction_recorded(interaction_id: int) -> None:
    interaction = (
        Interaction.objects.select_related("lead", "campaign").filter(pk=interaction_id).first()
    )
    if interaction is None:  # deleted (or merged away and gone) before the job ran
        return
    interaction_hooks.run_all(interaction)


def interactions_recorded(interaction_ids: list[int]) -> None:
    """The same for interactions recorded in bulk (emails sent by a drip batch)."""
    interactions = Interaction.objects.select_related("lead", "campaign").filter(
        pk__in=interaction_ids
    )
    for interaction in interactions.order_by("id"):
        interaction_hooks.run_all(interaction)
