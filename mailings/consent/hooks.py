"""What an interaction means for mailings (an interaction hook, run in a job):
an address on the suppression list stays unsubscribed. (What it means for the
cadences, exits and enrolments, is followups.cadences.triggers.)"""

from collections.abc import Sequence

from crm.models import Interaction, Lead
from crm.services import lead_email_consent_set
from mailings.consent.addresses import email_digest
from mailings.consent.selectors import is_suppressed
from mailings.models import Suppression

UNSUBSCRIBED = Lead.EmailConsent.UNSUBSCRIBED


def suppression_apply(*, interaction: Interaction) -> None:
    """An address on the suppression list stays unsubscribed, even on a lead
    imported again after the old one was deleted."""
    lead = interaction.lead
    if lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED or not is_suppressed(lead.email):
        return
    lead_email_consent_set(
        lead=lead,
        email_consent=Lead.EmailConsent.UNSUBSCRIBED,
        email_consent_method="suppression list",
    )


def suppressions_apply(*, interactions: Sequence[Interaction]) -> None:
    """suppression_apply for a batch: the addresses looked up in one query, then
    each interaction of a lead on the list as one by one."""
    subscribed = [i for i in interactions if i.lead.email and i.lead.email_consent != UNSUBSCRIBED]
    digests = {email_digest(i.lead.email) for i in subscribed}
    listed = set(
        Suppression.objects.filter(email_digest__any=digests).values_list("email_digest", flat=True)
    )
    for interaction in subscribed:
        if email_digest(interaction.lead.email) in listed:
            suppression_apply(interaction=interaction)
