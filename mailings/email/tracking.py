"""Opens and clicks, from the pixel and the tracked links of an email. Those of
machines (mailings.email.machines) are counted on the email and nothing else."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.models import Interaction
from crm.services import interaction_record
from mailings.email.machines import machine_reason
from mailings.models import OutboxEmail


@transaction.atomic
def email_opened(*, outbox: OutboxEmail, user_agent: str) -> bool:
    """The first open of an email by a person is recorded; later ones (and the many
    loads of one open) add nothing. Whether it was recorded."""
    now = timezone.now()
    if machine_reason(user_agent=user_agent, sent_at=outbox.sent_at, now=now):
        _count_machine(outbox, "machine_opens")
        return False
    first = OutboxEmail.objects.filter(pk=outbox.pk, opened_at__isnull=True).update(opened_at=now)
    if first:
        _record(outbox, Interaction.Kind.EMAIL_OPENED, {"outbox": outbox.pk})
    return bool(first)


@transaction.atomic
def email_clicked(*, outbox: OutboxEmail, url: str, user_agent: str) -> bool:
    """Every click on a link by a person, and a click means the email was opened.
    Whether it was recorded."""
    now = timezone.now()
    if machine_reason(user_agent=user_agent, sent_at=outbox.sent_at, now=now):
        _count_machine(outbox, "machine_clicks")
        return False
    OutboxEmail.objects.filter(pk=outbox.pk, clicked_at__isnull=True).update(clicked_at=now)
    OutboxEmail.objects.filter(pk=outbox.pk, opened_at__isnull=True).update(opened_at=now)
    _record(outbox, Interaction.Kind.EMAIL_CLICKED, {"outbox": outbox.pk, "url": url[:500]})
    return True


def _count_machine(outbox: OutboxEmail, counter: str) -> None:
    OutboxEmail.objects.filter(pk=outbox.pk).update(**{counter: F(counter) + 1})


def _record(outbox: OutboxEmail, kind: str, data: dict) -> None:
    interaction_record(
        lead=outbox.lead, kind=kind, source="cadence", data=data, notes=outbox.subject
    )
