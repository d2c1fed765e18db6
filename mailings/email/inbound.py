"""Events about emails we sent, from any source: the inbound webhook (generic
JSON) and django-anymail's tracking and inbound signals end up here."""

import re

from crm.models import Lead
from mailings.consent.addresses import normalise_email
from mailings.email.services import (
    email_bounced,
    email_complained,
    email_replied,
    email_unsubscribe,
)
from mailings.models import OutboxEmail

EVENTS = ("reply", "bounce", "complaint", "unsubscribe")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def outbox_for(message_ids: str) -> OutboxEmail | None:
    """The email that a reply answers, by its In-Reply-To / References ids."""
    ids = MESSAGE_ID.findall(message_ids or "")
    if not ids:
        return None
    return OutboxEmail.objects.select_related("lead").filter(message_id__in=ids).first()


def inbound_event(
    *,
    event: str,
    email: str,
    message_id: str = "",
    permanent: bool = True,
    text: str = "",
    external_id: str = "",
    source: str = "webhook",
) -> str:
    """Act on one event; returns what was done, in words. Idempotent where the
    source gives an external_id (replies), and by nature for the rest."""
    email = normalise_email(email)
    if event == "bounce":
        if not permanent:
            return "soft bounce: nothing to do, the next send retries"
        email_bounced(email=email, source=source)
        return "bounced: address suppressed, the cadences that end on a bounce ended"
    if event == "complaint":
        email_complained(email=email, source=source)
        return "complaint: unsubscribed and suppressed"
    if event == "unsubscribe":
        email_unsubscribe(email=email, source=source)
        return "unsubscribed"
    outbox = outbox_for(message_id)
    lead = outbox.lead if outbox else Lead.objects.filter(email__iexact=email).first()
    if lead is None:
        return "reply from an unknown address: ignored"
    email_replied(
        lead=lead, outbox=outbox, notes=text[:2000], source=source, external_id=external_id[:200]
    )
    return "reply recorded: the cadences that end on a reply ended"
