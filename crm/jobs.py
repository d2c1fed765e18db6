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
