"""Who may get marketing email, written: consent, double opt-in, and the suppression
list (what is read from them is in selectors.py)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.models import Lead
from crm.services import lead_email_consent_set
from mailings.consent.addresses import email_digest
from mailings.consent.selectors import current_consent_text, is_suppressed, leads_with_email
from mailings.models import ConsentRecord, ConsentText, Suppression


def suppression_add(*, email: str, reason: str, source: str) -> Suppression:
    suppression, _ = Suppression.objects.get_or_create(
        email_digest=email_digest(email), defaults={"reason": reason, "source": source[:200]}
    )
    return suppression


@transaction.atomic
def consent_withdraw(
    *, email: str, source: str, ip_address: str | None = None, now: dt.datetime | None = None
) -> int:
    """Unsubscribe the address: the suppression list remembers it for good, and
    every lead with it is marked unsubscribed. Idempotent. Returns leads changed."""
    now = now or timezone.now()
    suppression_add(email=email, reason=Suppression.Reason.UNSUBSCRIBED, source=source)
    changed = 0
    for lead in leads_with_email(email).exclude(email_consent=Lead.EmailConsent.UNSUBSCRIBED):
        _consent_change(
            lead,
            ConsentRecord.Action.UNSUBSCRIBED,
            source=source,
            ip_address=ip_address,
            now=now,
            email_consent=Lead.EmailConsent.UNSUBSCRIBED,
            email_consent_at=now,
            email_consent_method=source[:100],
        )
        changed += 1
    return changed


def _consent_change(lead: Lead, action: str, *, source, ip_address, now=None, text=None, **fields):
    """Change the lead's consent fields and keep the evidence, together."""
    lead_email_consent_set(lead=lead, **fields)
    consent_record(
        lead=lead, action=action, source=source, ip_address=ip_address, consent_text=text, now=now
    )


def consent_record(
    *,
    lead: Lead,
    action: str,
    source: str,
    ip_address: str | None = None,
    consent_text: ConsentText | None = None,
    now: dt.datetime | None = None,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        lead=lead,
        email_digest=email_digest(lead.email),
        action=action,
        source=source[:200],
        ip_address=ip_address or None,
        consent_text=consent_text,
        at=now or timezone.now(),
    )


@transaction.atomic
def consent_request(*, lead: Lead, source: str, ip_address: str | None = None) -> bool:
    """Start double opt-in: mark consent pending and record the request. False (and
    nothing changes) when the lead has no address, is suppressed or confirmed
    already. The caller sends the confirmation email (mailings.email.transactional)."""
    if not lead.email or is_suppressed(lead.email):
        return False
    if lead.email_consent == Lead.EmailConsent.CONFIRMED:
        return False
    text = current_consent_text()
    _consent_change(
        lead,
        ConsentRecord.Action.REQUESTED,
        source=source,
        ip_address=ip_address,
        text=text,
        email_consent=Lead.EmailConsent.PENDING,
        email_consent_method=source[:100],
        email_consent_text_version=text.version if text else "",
    )
    return True


@transaction.atomic
def consent_confirm(
    *, lead: Lead, source: str, ip_address: str | None = None, now: dt.datetime | None = None
) -> bool:
    """The person clicked the confirmation link: consent is confirmed, with when,
    from where and the text they were shown. Not for a suppressed address (they
    unsubscribed since); idempotent."""
    if not lead.email or is_suppressed(lead.email):
        return False
    if lead.email_consent == Lead.EmailConsent.CONFIRMED:
        return True
    now = now or timezone.now()
    version = lead.email_consent_text_version
    _consent_change(
        lead,
        ConsentRecord.Action.CONFIRMED,
        source=source,
        ip_address=ip_address,
        now=now,
        text=ConsentText.objects.filter(version=version).first() if version else None,
        email_consent=Lead.EmailConsent.CONFIRMED,
        email_consent_at=now,
        email_consent_method="double opt-in",
    )
    return True
