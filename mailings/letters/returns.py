"""Returned mail: a letter that came back undelivered, found by the reference
printed small on it ("R12-L0345": run 12, letter 345 in page order).

Recording one flags the lead's address undeliverable (crm: no letter goes to it
until the address changes), records the touch's outcome as returned (followups)
and a letter_returned interaction on the lead's timeline, like a bounce for an
email. Recording it again changes nothing.
"""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, User
from crm.services import interaction_record, lead_address_undeliverable_set
from followups.services import touch_letter_returned
from mailings.letters.models import PrintRun, PrintRunLetter, letter_reference

# What a scanner or a person types: "R12-L0345", "r12 l345", "R12/L0345".
_REFERENCE = re.compile(r"^R\s*0*(\d{1,9})\s*[-/.\s]?\s*L\s*0*(\d{1,9})$", re.IGNORECASE)


class ReturnedLetterError(Exception):
    """The letter can't be recorded as returned; the message is for the mailroom."""


def reference_parsed(text: str) -> tuple[int, int] | None:
    """(run id, position) of a letter's reference, or None when it is not one."""
    found = _REFERENCE.match(text.strip())
    return (int(found[1]), int(found[2])) if found else None


def returned_letter_check(letter: PrintRunLetter) -> None:
    """Raises ReturnedLetterError when this letter was never mailed."""
    if letter.exception:
        raise ReturnedLetterError(
            f"Letter {letter.reference} was left out of its run: never mailed."
        )
    if letter.run.status != PrintRun.Status.MAILED:
        state = letter.run.get_status_display().lower()
        raise ReturnedLetterError(
            f"Letter {letter.reference} is in the run “{letter.run.name}”, which is {state}: "
            "only a mailed letter can come back."
        )


def letter_returned_record(
    *, letter: PrintRunLetter, by: User, now: dt.datetime | None = None
) -> bool:
    """Record that `letter` came back; False when it was recorded already."""
    now = now or timezone.now()
    with transaction.atomic():
        letter = (
            PrintRunLetter.objects.select_for_update(of=("self",))
            .select_related("run__template", "lead")
            .get(pk=letter.pk)
        )
        returned_letter_check(letter)
        if letter.returned_at is not None:
            return False
        letter.returned_at, letter.returned_by = now, by
        letter.save(update_fields=["returned_at", "returned_by"])
        lead_address_undeliverable_set(lead_id=letter.lead_id, now=now)
        if letter.touch_id:
            touch_letter_returned(touch_id=letter.touch_id)
        _record_on_timeline(letter, by, now)
    return True


def _record_on_timeline(letter: PrintRunLetter, by: User, now: dt.datetime) -> None:
    run = letter.run
    interaction_record(
        lead=letter.lead,
        kind=Interaction.Kind.LETTER_RETURNED,
        occurred_at=now,
        notes=f"{run.template.name} ({run.name}) came back undelivered"[:500],
        data={"print_run": run.pk, "letter": letter_reference(run.pk, letter.position)},
        source="mailroom",
        external_id=f"letter-returned:{run.pk}:{letter.position}",
        user=by,
    )
