"""Reads for letters and print runs."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.models import Lead, User
from crm.roles import require_mailroom, require_manager
from followups.models import Channel, Touch
from mailings.letters.models import LetterTemplate, PrintRun, PrintRunLetter

# A run's PDF exists in these states: the mailroom prints, labels and reprints from it.
PRINTED = (PrintRun.Status.READY, PrintRun.Status.MAILED)


def get_print_run_for_user(
    user: User, pk: int, *, runs: QuerySet[PrintRun] | None = None
) -> PrintRun:
    """The print run for the mailroom or a manager (403 for a rep), or 404; `runs`
    narrows what may be found (printed ones, with counts)."""
    require_mailroom(user, "Print runs")
    return get_object_or_404(PrintRun.objects.all() if runs is None else runs, pk=pk)


def get_printed_letter_for_user(user: User, pk: int) -> PrintRunLetter:
    """A letter of a printed run, with what reprinting it needs, for the mailroom or
    a manager (403 for a rep), or 404 (an exception has no page to reprint)."""
    require_mailroom(user, "The mailroom pages")
    letters = PrintRunLetter.objects.select_related(
        "run__template", "lead__owner", "lead__source_campaign"
    )
    return get_object_or_404(letters, pk=pk, exception="", run__status__in=PRINTED)


def get_letter_template_for_user(user: User, pk: int) -> LetterTemplate:
    """The letter template for a manager (403 for anyone else), or 404."""
    require_manager(user, "The letter pages")
    return get_object_or_404(LetterTemplate, pk=pk)


def print_order(prefix: str = "") -> tuple[str, ...]:
    """Letters sorted as the post office likes them presorted: by country, then
    postal code (a run's order is also its PDF's page order)."""
    return tuple(f"{prefix}{field}" for field in ("country", "postal_code", "last_name", "id"))


def due_letter_touches(
    now: dt.datetime, *, template: LetterTemplate | None = None
) -> QuerySet[Touch]:
    """Letter touches that are due and not already in an open run; with a template,
    those it prints: a cadence's letter step names its template, other letter
    touches take the run's."""
    due = Touch.objects.filter(
        channel=Channel.LETTER, status=Touch.Status.PENDING, due_at__lte=now
    ).exclude(print_letters__holds_touch=True)
    if template is not None:
        due = due.filter(Q(step__letter__template=template) | Q(step__letter__isnull=True))
    return due


def leads_with_due_letters_count(now: dt.datetime) -> int:
    """How many letters a run of the due touches would hold (one per lead)."""
    return due_letter_touches(now).values("lead_id").distinct().count()


def leads_in_open_runs(lead_ids: list[int], *, excluding: PrintRun) -> dict[int, str]:
    """Lead id -> the name of an open run that will already print a letter for it."""
    held = (
        PrintRunLetter.objects.filter(lead_id__in=lead_ids, holds_touch=True)
        .exclude(run=excluding)
        .values_list("lead_id", "run__name")
    )
    return dict(held)


def leads_with_letters_in_open_runs(*, leads: QuerySet[Lead]) -> dict[int, str]:
    """Lead id -> why it stays as it is when an import is undone: a letter to it
    is in an open print run, perhaps printed already (crm.imports.undo.plan.register_hold)."""
    held = PrintRunLetter.objects.filter(lead__in=leads, holds_touch=True)
    return {
        lead_id: f"a letter to them is in the print run “{name}”"
        for lead_id, name in held.values_list("lead_id", "run__name")
    }


def runs_with_counts() -> QuerySet[PrintRun]:
    return PrintRun.objects.select_related("template", "created_by").annotate(
        printed=Count("letters", filter=Q(letters__exception="")),
        exceptions=Count("letters", filter=~Q(letters__exception="")),
    )


def mailroom_runs() -> QuerySet[PrintRun]:
    """What the mailroom works on: approved runs until they are mailed, then the
    last few mailed ones."""
    active = (
        PrintRun.Status.APPROVED,
        PrintRun.Status.GENERATING,
        PrintRun.Status.READY,
        PrintRun.Status.FAILED,
    )
    return runs_with_counts().filter(status__in=active).order_by("approved_at")


def draft_runs() -> QuerySet[PrintRun]:
    """Runs waiting for a manager's approval, oldest first: the mailroom proofs them."""
    return runs_with_counts().filter(status=PrintRun.Status.DRAFT).order_by("created_at")


def recently_mailed_runs(limit: int = 10) -> QuerySet[PrintRun]:
    return runs_with_counts().filter(status=PrintRun.Status.MAILED).order_by("-mailed_at")[:limit]


def printed_letters(run: PrintRun) -> QuerySet[PrintRunLetter]:
    """The run's letters in page order, with what rendering them needs."""
    return (
        run.letters.filter(exception="")
        .select_related("lead__owner", "lead__source_campaign")
        .order_by("position")
    )


def letter_by_reference(run_id: int, position: int) -> PrintRunLetter | None:
    """The letter of a reference printed on it, with what recording its return needs."""
    letters = PrintRunLetter.objects.select_related("run__template", "lead")
    return letters.filter(run_id=run_id, position=position).first()


def returned_letters(limit: int = 20) -> QuerySet[PrintRunLetter]:
    """The letters that came back most recently, for the mailroom's page."""
    return (
        PrintRunLetter.objects.filter(returned_at__isnull=False)
        .select_related("run", "lead", "returned_by")
        .order_by("-returned_at", "-pk")[:limit]
    )


def run_exceptions(run: PrintRun) -> QuerySet[PrintRunLetter]:
    return run.letters.exclude(exception="").select_related("lead").order_by("position")


def leads_in_order(ids: list[int]) -> tuple[list[Lead], list[int]]:
    """The leads with these ids in the order given, and the ids that match none."""
    found = Lead.objects.select_related("owner", "source_campaign").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found], [pk for pk in ids if pk not in found]


def leads_with_due_letters(now: dt.datetime) -> list[Lead]:
    """Leads a print run made now would take, in print order."""
    lead_ids = due_letter_touches(now).values("lead_id")
    leads = Lead.objects.filter(pk__in=lead_ids).select_related("owner", "source_campaign")
    return list(leads.order_by(*print_order()))
