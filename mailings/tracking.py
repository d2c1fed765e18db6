"""Opens and clicks, from the pixel and the tracked links of an email."""

from django.db import transaction
from django.utils import timezone

from crm.models import Interaction
from crm.services import interaction_record
from mailings.models import OutboxEmail


@transaction.atomic
def email_opened(*, outbox: OutboxEmail) -> bool:
    """The first open of an email is recorded; later ones (and the many loads of
    one open) add nothing."""
    now = timezone.now()
    first = OutboxEmail.objects.filter(pk=outbox.pk, opened_at__isnull=True).update(opened_at=now)
    if first:
        _record(outbox, Interaction.Kind.EMAIL_OPENED, {"outbox": outbox.pk})
    return bool(first)


@transaction.atomic
def email_clicked(*, outbox: OutboxEmail, url: str) -> None:
    """Every click on a link, and a click means the email was opened."""
    now = timezone.now()
    OutboxEmail.objects.filter(pk=outbox.pk, clicked_at__isnull=True).update(clicked_at=now)
    OutboxEmail.objects.filter(pk=outbox.pk, opened_at__isnull=True).update(opened_at=now)
    _record(outbox, Interaction.Kind.EMAIL_CLICKED, {"outbox": outbox.pk, "url": url[:500]})


def _record(outbox: OutboxEmail, kind: str, data: dict) -> None:
    interaction_record(lead=outbox.lead, kind=kind, source="drip", data=data, notes=outbox.subject)
