"""What an interaction means for mailings (an interaction hook, run in a job):
an address on the suppression list stays unsubscribed. (What it means for the
cadences, exits and enrolments, is followups.cadences.triggers.)"""

from crm.models import Interaction, Lead
from crm.services import lead_email_consent_set
from mailings.consent import is_suppressed


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
