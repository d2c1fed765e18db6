"""mailings' part of a personal data request (crm.privacy.registry): the
person's emails (as sent), consent evidence, letters in print runs, and whether
their addresses are on the suppression list.

Erasing puts every address of theirs on the suppression list first (only its
digest is kept, so a later import of the same person is never emailed), cancels
their unsent emails, takes their letters out of the runs not mailed yet, and
blanks what was sent: addresses, subjects, bodies. Consent records keep the
action, time and digest as evidence, without the IP address. A print run's PDF
with their letter in it is removed: an open run is generated again without
them, a mailed one was printed already (reprints render anew)."""

from collections.abc import Mapping

from django.core.files.storage import default_storage
from django.db import transaction

from crm.models import Lead
from crm.privacy.selectors import rows
from crm.privacy.subject import Subject
from mailings.consent.addresses import email_digest
from mailings.consent.services import suppression_add
from mailings.models import ConsentRecord, OutboxEmail, PrintRun, PrintRunLetter, Suppression

MODELS = ("mailings.OutboxEmail", "mailings.ConsentRecord", "mailings.PrintRunLetter")
ERASED = "Personal data erased"
UNSENT = (OutboxEmail.Status.PENDING, OutboxEmail.Status.FAILED)
RENDERED = (PrintRun.Status.GENERATING, PrintRun.Status.READY)


def mailings_export(*, lead: Lead) -> Mapping[str, list[dict]]:
    emails = Subject.of(lead).emails
    letters = PrintRunLetter.objects.filter(lead=lead).order_by("run_id", "position")
    return {
        "emails": rows(OutboxEmail.objects.filter(lead=lead).order_by("pk")),
        "consent_records": rows(ConsentRecord.objects.filter(lead=lead).order_by("at", "pk")),
        "letters": rows(letters, *_LETTER_FIELDS),
        "suppressions": rows(
            Suppression.objects.filter(email_digest__in=[email_digest(e) for e in emails]),
            "reason",
            "source",
            "created_at",
        ),
    }


_LETTER_FIELDS = (
    "id",
    "run_id",
    "run__name",
    "run__status",
    "run__mailed_at",
    "position",
    "exception",
    "reprints",
    "returned_at",
)


def mailings_erase(*, subject: Subject) -> dict[str, int]:
    lead_id = subject.lead_id
    for email in subject.emails:
        suppression_add(email=email, reason=Suppression.Reason.UNSUBSCRIBED, source=ERASED)
    return {
        "Addresses on the suppression list": len(subject.emails),
        "Unsent emails cancelled": OutboxEmail.objects.filter(
            lead_id=lead_id, status__in=UNSENT
        ).update(status=OutboxEmail.Status.CANCELLED),
        "Emails blanked": OutboxEmail.objects.filter(lead_id=lead_id).update(
            to_email="", subject="", html_body="", text_body="", message_id="", last_error=""
        ),
        "Consent records without IP address": ConsentRecord.objects.filter(lead_id=lead_id).update(
            ip_address=None
        ),
        "Letters taken out of open print runs": _letters_take_out(lead_id),
        "Print run PDFs removed": _pdfs_remove(lead_id),
    }


def _letters_take_out(lead_id: int) -> int:
    return PrintRunLetter.objects.filter(
        lead_id=lead_id, run__status__in=PrintRun.OPEN_STATUSES, exception=""
    ).update(exception=ERASED, holds_touch=False)


def _pdfs_remove(lead_id: int) -> int:
    """Each stored PDF with the person's letter in it is deleted (after commit). A
    run being generated or ready to print fails, to be generated again without
    them (a late chunk job of the old generation then does nothing)."""
    runs = PrintRun.objects.filter(letters__lead_id=lead_id).exclude(pdf="").distinct()
    ids, names = [], []
    for pk, name in runs.values_list("pk", "pdf"):
        ids.append(pk)
        names.append(name)
    PrintRun.objects.filter(pk__in=ids, status__in=RENDERED).update(
        status=PrintRun.Status.FAILED,
        error="A person in this run asked for their data to be erased: generate it again.",
    )
    removed = PrintRun.objects.filter(pk__in=ids).update(pdf="", pages=0)
    for name in names:
        transaction.on_commit(lambda name=name: default_storage.delete(name))
    return removed
