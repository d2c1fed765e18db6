"""What an interaction means for drips (an interaction hook, run in a job):
first the stops (a reply, a meeting, a purchase where the drip says so, a
bounce), then the enrolments it triggers. Idempotent, as hooks must be."""

from crm.models import Interaction, Lead
from crm.services import lead_email_consent_set
from mailings.consent import is_suppressed
from mailings.drips import drips_triggered_by, enrolment_create, enrolments_stop
from mailings.models import Drip

STOPS_EVERY_DRIP = {
    Interaction.Kind.EMAIL_REPLIED: "Replied",
    Interaction.Kind.MEETING: "Meeting booked",
    Interaction.Kind.EMAIL_BOUNCED: "Bounced",
}


def drips_apply(*, interaction: Interaction) -> None:
    lead = interaction.lead
    _keep_suppressed(lead)
    reason = _stop_reason(interaction)
    if reason:
        enrolments_stop(lead=lead, reason=reason, now=interaction.occurred_at)
    if interaction.kind == Interaction.Kind.PURCHASE:
        enrolments_stop(
            lead=lead, reason="Purchased", drips=Drip.objects.filter(stop_on_purchase=True)
        )
    for drip in drips_triggered_by(interaction):
        enrolment_create(
            drip=drip,
            lead=lead,
            source=f"{interaction.get_kind_display()} #{interaction.pk}",
            interaction=interaction,
        )


def _stop_reason(interaction: Interaction) -> str:
    if interaction.kind == Interaction.Kind.CALL:
        meeting = (interaction.data or {}).get("outcome") == "meeting"
        return "Meeting booked" if meeting else ""
    return STOPS_EVERY_DRIP.get(interaction.kind, "")


def _keep_suppressed(lead: Lead) -> None:
    """An address on the suppression list stays unsubscribed, even on a lead
    imported again after the old one was deleted."""
    if lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED or not is_suppressed(lead.email):
        return
    lead_email_consent_set(
        lead=lead,
        email_consent=Lead.EmailConsent.UNSUBSCRIBED,
        email_consent_method="suppression list",
    )
