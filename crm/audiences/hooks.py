"""What keeps audience members current as things happen: a batch hook after
interactions are recorded (crm.interaction_hooks), and a receiver for leads
saved with a field the rules read. Both only say which leads to re-evaluate."""

from django.utils import timezone

from crm.audiences.services import audience_members_update, audience_members_update_later
from crm.models import Interaction, Lead

# The lead fields the profile and consent rules read.
RULE_FIELDS = frozenset(
    {
        "country",
        "region",
        "title",
        "stage",
        "owner",
        "owner_id",
        "score",
        "email",
        "email_consent",
        "do_not_mail",
        "do_not_call",
    }
)


def audiences_apply(*, interactions: list[Interaction]) -> None:
    """A batch hook: runs after the per-interaction hooks (a purchase has made its
    lead a customer by then), once for the whole batch."""
    audience_members_update(
        lead_ids={interaction.lead_id for interaction in interactions}, now=timezone.now()
    )


def lead_saved(sender, instance: Lead, raw: bool = False, update_fields=None, **kwargs) -> None:
    """post_save of Lead: re-evaluate it in a job when a field the rules read may
    have changed. Updates of many leads send no signal: reassigning leads calls
    audience_members_update_later itself; what follows an interaction (stage,
    do not call) is seen by the batch hook, which runs after it commits; scores
    that decay are caught by the periodic refresh (a score rule drifts)."""
    if raw or (update_fields is not None and not RULE_FIELDS & set(update_fields)):
        return
    audience_members_update_later(lead_ids=[instance.pk])
