"""Referral attribution on arrival: a person who came through a customer's referral
link (`?ref=CODE`) and became a new lead is that customer's referral. The codes,
links and reward progress are made elsewhere; this only attributes arrivals."""

from django.db import transaction

from crm.models import Interaction, Lead
from crm.services import interaction_record

SOURCE = "website"


@transaction.atomic
def referral_attribute(*, lead: Lead, code: str) -> Interaction | None:
    """Set the new lead's referred_by to the owner of the code and record a referral
    on the referrer's timeline. Unknown codes, a lead's own code and a lead
    referred already change nothing; so does running it again."""
    if not code:
        return None
    # Codes are made in lower case (crm.referrals.services); a link retyped in
    # capitals still counts.
    codes = {code, code.lower()}
    referrer = Lead.objects.filter(referral_code__in=codes).exclude(pk=lead.pk).first()
    if referrer is None:
        return None
    if not Lead.objects.filter(pk=lead.pk, referred_by__isnull=True).update(referred_by=referrer):
        return None
    lead.referred_by = referrer
    interaction, _ = interaction_record(
        lead=referrer,
        kind=Interaction.Kind.REFERRAL,
        data={"referred_lead": lead.pk},
        notes=f"Referred {lead.display_name} (lead #{lead.pk}).",
        source=SOURCE,
        external_id=f"referral:{lead.pk}",
    )
    return interaction
