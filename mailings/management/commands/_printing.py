"""What print_letters and print_labels share: which leads, and writing the file."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from crm.models import Lead
from mailings.letters.compose import why_not_mail
from mailings.letters.selectors import leads_in_order, leads_with_due_letters


def add_common_arguments(parser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="The PDF file to write.")
    parser.add_argument(
        "--leads",
        type=lead_ids,
        help="Comma-separated lead ids, printed in this order. "
        "Default: the leads with a letter due now, in print order.",
    )


def lead_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise CommandError(f"--leads takes lead ids separated by commas: {text!r}") from error
    if not ids:
        raise CommandError("--leads names no lead.")
    return ids


def leads_to_print(command, ids: list[int] | None) -> list[Lead]:
    """The leads to print; the ones that can't be mailed are named on stderr."""
    if ids is None:
        leads = leads_with_due_letters(timezone.now())
    else:
        leads, missing = leads_in_order(ids)
        if missing:
            raise CommandError(f"No lead with id {', '.join(map(str, missing))}.")
    printable = []
    for lead in leads:
        if reason := why_not_mail(lead):
            command.stderr.write(f"Left out lead {lead.pk} ({lead.display_name}): {reason}")
        else:
            printable.append(lead)
    if not printable:
        raise CommandError("No lead to print.")
    return printable


def write_pdf(command, out: Path, pdf: bytes, what: str) -> None:
    try:
        out.write_bytes(pdf)
    except OSError as error:
        raise CommandError(f"Could not write {out}: {error}") from error
    command.stdout.write(f"Wrote {what} to {out} ({len(pdf):,} bytes).")
