"""What queues an ad audience's sync: its audience's members changed (crm.audiences
calls the handler registered in crm.apps), or a member's consent or identifiers
changed, which may take them off (or change what was sent) without changing
who is in the audience."""

from crm.models import Lead
from crm.retargeting.services import ad_links_sync_for_lead

# The lead fields consent (selectors.ads_consent) and the sent rows read.
SYNC_FIELDS = frozenset(
    {
        "email_consent",
        "stage",
        "email",
        "phone",
        "first_name",
        "last_name",
        "city",
        "region",
        "postal_code",
        "country",
    }
)


def lead_saved(sender, instance: Lead, raw: bool = False, update_fields=None, **kwargs) -> None:
    """post_save of Lead: one query for the links the lead is in, when a field a
    sync reads may have changed (a new lead is in no audience yet)."""
    if raw or kwargs.get("created"):
        return
    if update_fields is not None and not SYNC_FIELDS & set(update_fields):
        return
    ad_links_sync_for_lead(lead_id=instance.pk)
