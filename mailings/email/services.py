"""What replies, bounces, complaints and unsubscribes do, wherever they come from
(the unsubscribe link, the inbound webhook, the ESP's signals, a rep's click)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.cadences.models import ExitCondition
from followups.cadences.triggers import enrolments_exit_for_lead
from mailings.consent.selectors import leads_with_email
from mailings.consent.services import consent_withdraw, suppression_add
from mailings.models import OutboxEmail, Suppression


@transaction.atomic
def email_unsubscribe(
    *, email: str, source: str, ip_address: str | None = None, now: dt.datetime | None = None
) -> None:
    """At once and for good: the address is suppressed and its leads unsubscribed;
    no email goes to them again (the sender checks consent before each one, queued
    ones included), and the cadences that end on it end. Idempotent."""
    now = now or timezone.now()
    consent_withdraw(email=email, source=source, ip_address=ip_address, now=now)
    for lead in leads_with_email(email):
        enrolments_exit_for_lead(lead_id=lead.pk, condition=ExitCondition.UNSUBSCRIBED)


@transaction.atomic
def email_bounced(*, email: str, source: str, now: dt.datetime | None = None) -> None:
    """A hard bounce: never mail the address again."""
    _give_up_on(email, Suppression.Reason.BOUNCED, Interaction.Kind.EMAIL_BOUNCED, source, now)


@transaction.atomic
def email_complained(*, email: str, source: str, now: dt.datetime | None = None) -> None:
    """A spam complaint: unsubscribed and suppressed."""
    email_unsubscribe(email=email, source=source, now=now)
    _give_up_on(email, Suppression.Reason.COMPLAINED, Interaction.Kind.EMAIL_BOUNCED, source, now)


def _give_up_on(email, reason, kind, source, now) -> None:
    now = now or timezone.now()
    suppression_add(email=email, reason=reason, source=source)
    for lead in leads_with_email(email):
        interaction_record(
            lead=lead,
            kind=kind,
            occurred_at=now,
            notes=Suppression.Reason(reason).label,
            source="mail",
            data={"reason": reason},
        )


@transaction.atomic
def email_replied(
    *,
    lead: Lead,
    outbox: OutboxEmail | None = None,
    notes: str = "",
    source: str = "mail",
    external_id: str = "",
    user=None,
    now: dt.datetime | None = None,
) -> Interaction:
    """A reply ends the lead's cadences that end on one (the hook on email_replied
    does the ending)."""
    now = now or timezone.now()
    if outbox is not None:
        OutboxEmail.objects.filter(pk=outbox.pk, replied_at__isnull=True).update(replied_at=now)
    interaction, _ = interaction_record(
        lead=lead,
        kind=Interaction.Kind.EMAIL_REPLIED,
        occurred_at=now,
        notes=notes,
        source=source,
        external_id=external_id,
        user=user,
        data={"outbox": outbox.pk} if outbox else {},
    )
    return interaction
