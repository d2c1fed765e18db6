"""Who may get marketing email, read: whether an address is suppressed, why a lead
may not be emailed, the leads with an address, the consent text shown now."""

from django.conf import settings

from crm.models import Lead
from mailings.consent.addresses import email_digest, normalise_email
from mailings.models import ConsentText, Suppression


def is_suppressed(email: str) -> bool:
    return bool(email) and Suppression.objects.filter(email_digest=email_digest(email)).exists()


def suppressed_digests(emails) -> set[str]:
    digests = {email_digest(email) for email in emails if email}
    found = Suppression.objects.filter(email_digest__in=digests)
    return set(found.values_list("email_digest", flat=True))


def why_not_email(lead: Lead, *, suppressed: bool | None = None) -> str:
    """Empty when the lead may get marketing email now; else the reason, in words."""
    if not lead.email:
        return "No email address"
    if suppressed if suppressed is not None else is_suppressed(lead.email):
        return "The address is on the suppression list"
    consent = lead.email_consent
    if consent == Lead.EmailConsent.CONFIRMED:
        return ""
    if consent == Lead.EmailConsent.UNSUBSCRIBED:
        return "Unsubscribed"
    if settings.MAIL_SOFT_OPT_IN and lead.stage == Lead.Stage.CUSTOMER:
        return ""  # soft opt-in: an existing customer, who has not said no
    if consent == Lead.EmailConsent.PENDING:
        return "Email consent not confirmed yet (double opt-in pending)"
    return "No email consent"


def leads_with_email(email: str):
    return (
        Lead.objects.filter(email__iexact=normalise_email(email)) if email else Lead.objects.none()
    )


def current_consent_text() -> ConsentText | None:
    return ConsentText.objects.order_by("-created_at").first()
