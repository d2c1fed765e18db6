"""The manager's letter template pages: the list, the editor, and its live PDF preview."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.framing import framed_by_our_pages
from crm.roles import require_manager
from crm.selectors import lead_search, leads_visible_to
from mailings.letters import selectors
from mailings.letters.compose import letters_pdf
from mailings.letters.forms import LetterPreviewForm, LetterTemplateForm
from mailings.letters.models import LetterTemplate

logger = logging.getLogger(__name__)

PAGES = "The letter pages"
LEAD_MATCHES = 10


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    templates = LetterTemplate.objects.select_related("updated_by").order_by("-is_active", "name")
    return render(request, "mailings/letters/pages/template_list.html", {"templates": templates})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _edit(request, selectors.get_letter_template_for_user(request.user, pk))


def _edit(request: HttpRequest, template: LetterTemplate | None) -> HttpResponse:
    saved_name = template.name if template else ""  # validation writes the posted name on it
    form = LetterTemplateForm(request.POST if request.method == "POST" else None, instance=template)
    if request.method == "POST" and form.is_valid():
        template = form.save(by=request.user)
        messages.success(request, f"Saved {template.name}.")
        return redirect(template)
    context = {
        "form": form,
        "template": template,
        "saved_name": saved_name,
        "preview_form": LetterPreviewForm(user=request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "mailings/letters/pages/template_form.html", context, status=status)


@login_required
@require_POST
@framed_by_our_pages  # shown in the editor's <iframe>
def template_preview(request: HttpRequest) -> HttpResponse:
    """The template as typed, not saved, as a PDF for one lead; what is wrong with
    it as plain text otherwise (the iframe shows either)."""
    require_manager(request.user, PAGES)
    form = LetterPreviewForm(request.POST, user=request.user)
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        return _plain_text("\n".join(problems), status=400)
    lead, paper = form.cleaned_data["lead"], form.cleaned_data["paper"]
    try:
        pdf = letters_pdf(form.template(), [lead], paper=paper)
    except Exception as error:  # a manager's template (a missing include, a time limit)
        logger.info("Letter preview did not render: %s", error)
        return _plain_text(f"The letter does not render: {error}", status=400)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="letter-preview.pdf"'
    return response


def _plain_text(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)


@login_required
@require_GET
def lead_matches(request: HttpRequest) -> HttpResponse:
    """Leads to preview a letter for, by name, email, company or phone (htmx swaps them in)."""
    require_manager(request.user, PAGES)
    text = request.GET.get("q", "").strip()[:200]
    matches = []
    if text:
        found = lead_search(leads_visible_to(request.user), text)
        matches = list(found.order_by("last_name", "first_name", "pk")[:LEAD_MATCHES])
    context = {"matches": matches, "q": text, "limit": LEAD_MATCHES}
    return render(request, "mailings/letters/pages/_lead_matches.html", context)
