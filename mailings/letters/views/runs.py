"""The manager's print run pages: the list, a new run (of the due letter touches or
of the lead list's filtered leads), a run's letters and exceptions, its proof,
approve and cancel."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.filters import leads_chosen
from crm.roles import require_mailroom, require_manager
from mailings.letters import selectors
from mailings.letters.forms import PrintRunForm
from mailings.letters.generating import PROOF_LETTERS, proof_pdf
from mailings.letters.models import PrintRun
from mailings.letters.runs import (
    PrintRunError,
    print_run_approve,
    print_run_cancel,
    print_run_create,
)

logger = logging.getLogger(__name__)

PAGES = "Print runs"
RUNS_PER_PAGE = 50
LETTERS_SHOWN = 200
EXCEPTIONS_PER_PAGE = 200
Source = PrintRun.Source


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    runs = Paginator(selectors.runs_with_counts().order_by("-created_at", "-pk"), RUNS_PER_PAGE)
    context = {"page": runs.get_page(request.GET.get("page"))}
    return render(request, "mailings/letters/pages/run_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    """A draft run. The lead list's filters come in the query string, as they do
    for enrolling leads in a cadence, and pick the leads of a lead-list run; or
    ?audience=ID picks an audience's members."""
    require_manager(request.user, PAGES)
    chosen = leads_chosen(request.user, request.GET)
    initial = {"source": Source.LEADS if chosen.narrowed else Source.TOUCHES}
    form = PrintRunForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"form": form, "filter": chosen.lead_filter, "audience": chosen.audience}
    if chosen.leads is None:
        return render(request, "mailings/letters/pages/run_create.html", context, status=400)
    leads = chosen.leads
    now = timezone.now()
    context |= {
        "due": selectors.leads_with_due_letters_count(now),
        "matching": leads.count(),
        "summary": chosen.summary,
    }
    if request.method == "POST" and form.is_valid() and _has_letters(form, context):
        from_leads = form.cleaned_data["source"] == Source.LEADS
        run = print_run_create(
            name=form.cleaned_data["name"],
            template=form.cleaned_data["template"],
            paper=form.cleaned_data["paper"],
            created_by=request.user,
            leads=leads if from_leads else None,
            source_description=chosen.described if from_leads else "",
            now=now,
        )
        messages.success(request, f"Created the draft {run.name}: check it, then approve it.")
        return redirect(run)
    status = 400 if form.errors else 200
    return render(request, "mailings/letters/pages/run_create.html", context, status=status)


def _has_letters(form: PrintRunForm, counts: dict) -> bool:
    if form.cleaned_data["source"] == Source.LEADS and not counts["matching"]:
        form.add_error("source", "No lead matches the lead list's filters.")
    elif form.cleaned_data["source"] == Source.TOUCHES and not counts["due"]:
        form.add_error("source", "No letter touches are due now.")
    return not form.errors


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's letters and exceptions. The mailroom sees it too: it reprints
    a spoiled letter from here."""
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk, runs=selectors.runs_with_counts())
    exceptions = Paginator(selectors.run_exceptions(run), EXCEPTIONS_PER_PAGE)
    context = {
        "run": run,
        "letters": selectors.printed_letters(run)[:LETTERS_SHOWN],
        "letters_shown": LETTERS_SHOWN,
        "exceptions": exceptions.get_page(request.GET.get("page")),
        "reprintable": run.status in (PrintRun.Status.READY, PrintRun.Status.MAILED),
        "proofable": run.status in PROOFABLE and run.printed > 0,
        "returnable": run.status == PrintRun.Status.MAILED,
        "proof_letters": PROOF_LETTERS,
    }
    return render(request, "mailings/letters/pages/run_detail.html", context)


PROOFABLE = (PrintRun.Status.DRAFT, PrintRun.Status.APPROVED)


@login_required
@require_GET
def run_proof(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's first letters as a PDF to read before it is approved: rendered on
    the spot, stored nowhere, and nothing is marked printed."""
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(
        request.user, pk, runs=PrintRun.objects.select_related("template")
    )
    if run.status not in PROOFABLE:
        messages.error(request, "Only a run not yet generated has a proof: its PDF is the proof.")
        return redirect(run)
    try:
        pdf = proof_pdf(run)
    except Exception as error:  # a manager's template, a time limit: a message, not a 500
        logger.exception("The proof of print run %s did not render", run.pk)
        messages.error(request, f"The proof did not render: {error}")
        return redirect(run)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"print-run-{run.pk}-{slugify(run.name)[:60]}-proof.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # A proof shows people's addresses and goes stale with every edit of the template.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk)
    try:
        print_run_approve(run=run, by=request.user)
    except PrintRunError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Approved {run.name}: the mailroom can generate and print it.")
    return redirect(run)


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Managers and the mailroom may cancel a run before it is mailed."""
    require_mailroom(request.user, PAGES)
    run = selectors.get_print_run_for_user(request.user, pk)
    try:
        print_run_cancel(run=run)
    except PrintRunError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Cancelled {run.name}.")
    if request.POST.get("back") == "mailroom":
        return redirect("letters:mailroom")
    return redirect(run)
