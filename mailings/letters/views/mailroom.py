"""The mailroom's page: generate a run's PDF and watch it render, download it and
its address labels, mark it mailed; reprint one spoiled letter; and record the
letters that came back."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.roles import require_mailroom
from mailings.letters import selectors
from mailings.letters.compose import labels_pdf, letters_pdf
from mailings.letters.forms import ReturnedLetterForm
from mailings.letters.labels import SHEETS
from mailings.letters.models import Paper, PrintRun
from mailings.letters.returns import ReturnedLetterError, letter_returned_record
from mailings.letters.runs import (
    PrintRunError,
    generation_is_stale,
    letter_reprinted,
    print_run_generate,
    print_run_mark_mailed,
)

logger = logging.getLogger(__name__)

PAGES = "The mailroom pages"
Status = PrintRun.Status
DEFAULT_SHEET = {Paper.LETTER: "avery5160", Paper.A4: "l7163"}


@login_required
@require_GET
def mailroom(request: HttpRequest) -> HttpResponse:
    require_mailroom(request.user, PAGES)
    return _mailroom_page(request, ReturnedLetterForm())


def _mailroom_page(
    request: HttpRequest, form: ReturnedLetterForm, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    context = {
        "runs": [_with_actions(run, now) for run in selectors.mailroom_runs()],
        "drafts": selectors.draft_runs(),
        "mailed": selectors.recently_mailed_runs(),
        "returned": selectors.returned_letters(),
        "returned_form": form,
        "sheets": SHEETS,
    }
    return render(request, "mailings/letters/pages/mailroom.html", context, status=status)


@login_required
@require_POST
def letter_returned(request: HttpRequest) -> HttpResponse:
    """A letter that came back, by its id: scanned or typed on the mailroom's page,
    or picked from its run's list (back=run goes back there)."""
    require_mailroom(request.user, PAGES)
    form = ReturnedLetterForm(request.POST)
    if not form.is_valid():
        return _mailroom_page(request, form, status=400)
    letter = form.cleaned_data["letter"]
    try:
        recorded = letter_returned_record(letter=letter, by=request.user)
    except ReturnedLetterError as error:  # the run changed meanwhile
        form.add_error("reference", str(error))
        return _mailroom_page(request, form, status=400)
    name = letter.lead.display_name
    if recorded:
        messages.success(
            request,
            f"Recorded {letter.reference} as returned: {name}'s address is flagged "
            "undeliverable, and no letter goes to it until it changes.",
        )
    else:
        messages.info(request, f"{letter.reference} ({name}) was already recorded as returned.")
    if request.POST.get("back") == "run":
        return redirect(f"{letter.run.get_absolute_url()}#letter-{letter.pk}")
    return redirect(f"{reverse('letters:mailroom')}#returned")


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's card, polled while its PDF renders; without the poll once it is over."""
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk, runs=selectors.runs_with_counts())
    context = {"run": _with_actions(run, timezone.now()), "sheets": SHEETS}
    return render(request, "mailings/letters/pages/_run_card.html", context)


def _with_actions(run: PrintRun, now) -> PrintRun:
    """Mark whether the mailroom may (re)start the run's generation now."""
    stale = run.status == Status.GENERATING and generation_is_stale(run, now)
    run.can_generate = run.status in (Status.APPROVED, Status.FAILED) or stale
    return run


@login_required
@require_POST
def run_generate(request: HttpRequest, pk: int) -> HttpResponse:
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk)
    try:
        run = print_run_generate(run=run)
    except PrintRunError as error:
        messages.error(request, str(error))
    else:
        run.refresh_from_db(fields=["status"])  # the jobs may have run at once
        if run.status == Status.READY:
            messages.success(request, f"{run.name} is ready to print.")
        else:
            messages.info(request, f"Generating {run.name}: the bar shows its progress.")
    return _to_card(run)


@login_required
@require_POST
def run_mark_mailed(request: HttpRequest, pk: int) -> HttpResponse:
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk)
    try:
        run = print_run_mark_mailed(run=run, by=request.user)
    except PrintRunError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Marked {run.name} mailed: each lead's timeline shows it.")
    return redirect("letters:mailroom")


def _to_card(run: PrintRun) -> HttpResponse:
    return redirect(f"{reverse('letters:mailroom')}#run-{run.pk}")


@login_required
@require_GET
def run_pdf(request: HttpRequest, pk: int) -> FileResponse:
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(
        request.user, pk, runs=PrintRun.objects.filter(status__in=selectors.PRINTED)
    )
    if not run.pdf:
        raise Http404("This run has no PDF.")
    try:
        pdf = run.pdf.open("rb")
    except FileNotFoundError:
        raise Http404("This run's PDF is missing: generate it again.") from None
    return FileResponse(pdf, as_attachment=True, filename=_filename(run, ""))


@login_required
@require_GET
def run_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """Address labels for the run's printed letters, in page order, made on the spot."""
    require_mailroom(request.user, PAGES)
    runs = PrintRun.objects.exclude(status__in=(Status.DRAFT, Status.CANCELLED))
    run = selectors.get_print_run_for_user(request.user, pk, runs=runs)
    sheet = request.GET.get("sheet") or DEFAULT_SHEET.get(run.paper, "avery5160")
    if sheet not in SHEETS:
        return HttpResponseBadRequest(f"Unknown label sheet; choose one of {', '.join(SHEETS)}.")
    pdf = labels_pdf([letter.lead for letter in selectors.printed_letters(run)], sheet=sheet)
    return _pdf_response(pdf, _filename(run, f"labels-{sheet}"), attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
def letter_reprint(request: HttpRequest, pk: int) -> HttpResponse:
    """One letter of a printed run again, as a PDF of its own (a spoiled page)."""
    require_mailroom(request.user, PAGES)
    letter = selectors.get_printed_letter_for_user(request.user, pk)
    run = letter.run
    try:
        pdf = letters_pdf(
            run.letter_template, [letter.lead], paper=run.paper, references=[letter.reference]
        )
    except Exception as error:  # a render over its time limit, say: a message, not a 500
        logger.exception("Reprint of print run letter %s did not render", letter.pk)
        messages.error(request, f"The letter for {letter.lead} did not render: {error}")
        return redirect(run)
    letter_reprinted(letter=letter)
    return _pdf_response(pdf, _filename(run, f"letter-{letter.position}"), attachment=False)


def _filename(run: PrintRun, part: str) -> str:
    words = [f"print-run-{run.pk}", slugify(run.name)[:60], part]
    return "-".join(word for word in words if word) + ".pdf"


def _pdf_response(pdf: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
