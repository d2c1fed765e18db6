"""Unsubscribe links: whose address a token names, and unsubscribing it.

The token carries the outbox email's id and a digest of the address it went to,
so an unsubscribe works even after the lead (and its emails) were deleted: the
digest alone is what the suppression list keeps."""

from dataclasses import dataclass

from mailings.consent.addresses import email_digest
from mailings.email import tokens
from mailings.email.services import email_unsubscribe
from mailings.models import OutboxEmail, Suppression


@dataclass(frozen=True)
class Target:
    digest: str
    outbox: OutboxEmail | None

    @property
    def email(self) -> str:
        """The address, while its lead still exists and has it."""
        lead = self.outbox.lead if self.outbox else None
        return lead.email if lead and email_digest(lead.email) == self.digest else ""


def unsubscribe_token(outbox_id: int, email: str) -> str:
    return tokens.make(tokens.UNSUBSCRIBE, [outbox_id, email_digest(email)])


def unsubscribe_target(token: str) -> Target | None:
    value = tokens.read(tokens.UNSUBSCRIBE, token)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        return None
    outbox_id, digest = value
    outbox = OutboxEmail.objects.select_related("lead").filter(pk=outbox_id).first()
    return Target(digest=str(digest), outbox=outbox)


def unsubscribe_by_token(target: Target, *, ip_address: str | None) -> None:
    if target.email:
        email_unsubscribe(email=target.email, source="unsubscribe link", ip_address=ip_address)
        return
    Suppression.objects.get_or_create(
        email_digest=target.digest,
        defaults={"reason": Suppression.Reason.UNSUBSCRIBED, "source": "unsubscribe link"},
    )
