"""The cadence builder's pages, for managers: a cadence on one page (its triggers,
its steps as a timeline with each channel's content, what call outcomes do), the
blocks the page adds with htmx, the preview of its emails and letters for any
lead with a test send, and the dry run."""

import logging

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.framing import framed_by_our_pages
from crm.models import Lead, User
from crm.roles import require_manager
from crm.selectors import lead_search, leads_visible_to
from followups.cadences.models import Cadence, CadenceStep, Channel
from followups.cadences.selectors import get_cadence_for_user
from mailings.cadences.builder.blocks import new_step_block, new_trigger_block, new_variant_block
from mailings.cadences.builder.drafts import cadence_draft
from mailings.cadences.builder.dryrun import cadence_dry_run
from mailings.cadences.builder.page import PREFIX, CadenceBuilder
from mailings.cadences.builder.previews import LetterPreviewForm, PreviewForm, TestSendForm
from mailings.cadences.builder.services import cadence_build
from mailings.cadences.joiners import people_at_its_events
from mailings.email.rendering import render_email
from mailings.email.transactional import preview_links, send_test_email
from mailings.letters.compose import letters_pdf
from mailings.letters.models import Paper
from mailings.models import StepVariant

logger = logging.getLogger(__name__)

PAGES = "The cadence pages"
LEAD_MATCHES = 10
TEMPLATES = "mailings/cadences/builder/"
# The email preview shows the email as mail clients do, in a sandboxed <iframe
# srcdoc>, which keeps this page's Content-Security-Policy: an email's inline
# style attributes and its images (from anywhere, as in a mail client) are allowed
# here. The frame's sandbox still runs no script.
EMAIL_PREVIEW_POLICY = {"style-src-attr": [UNSAFE_INLINE], "img-src": ["https:"]}


# The builder


@login_required
@require_http_methods(["GET", "POST"])
def cadence_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _build(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def cadence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _build(request, get_cadence_for_user(request.user, pk))


def _build(request: HttpRequest, cadence: Cadence | None) -> HttpResponse:
    saved_name = cadence.name if cadence else ""  # validation writes the posted name on it
    data = request.POST if request.method == "POST" else None
    builder = CadenceBuilder(data, cadence=cadence)
    if data is not None and builder.is_valid():
        cadence = cadence_build(draft=cadence_draft(builder), by=request.user)
        messages.success(request, f"Saved {cadence.name}.")
        return redirect("cadences:edit", cadence.pk)
    context = {
        "builder": builder,
        "cadence": cadence,
        "saved_name": saved_name,
        "channels": Channel.choices,
        "tab": "edit",
        # A cadence saved with an event's trigger offers to enrol who was there already.
        "at_events": people_at_its_events(cadence) if cadence and data is None else [],
    }
    status = 400 if data is not None else 200
    return render(request, TEMPLATES + "builder.html", context, status=status)


@login_required
@require_GET
def step_block(request: HttpRequest) -> HttpResponse:
    """A new, empty step on a channel (htmx appends it to the timeline)."""
    require_manager(request.user, PAGES)
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        return HttpResponseBadRequest("Which channel?")
    return render(request, TEMPLATES + "_step.html", {"step": new_step_block(channel)})


@login_required
@require_GET
def variant_block(request: HttpRequest) -> HttpResponse:
    """A new, empty A/B variant for an email step (htmx appends it)."""
    require_manager(request.user, PAGES)
    step_prefix = request.GET.get("step", "")
    if not PREFIX.match(step_prefix):
        return HttpResponseBadRequest("Which step?")
    context = {"variant": new_variant_block(), "step_prefix": step_prefix}
    return render(request, TEMPLATES + "_variant.html", context)


@login_required
@require_GET
def trigger_block(request: HttpRequest) -> HttpResponse:
    """A new, empty trigger row (htmx appends it)."""
    require_manager(request.user, PAGES)
    return render(request, TEMPLATES + "_trigger.html", {"trigger": new_trigger_block()})


# Preview and test send


@login_required
@require_GET
@csp_update(EMAIL_PREVIEW_POLICY)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    cadence = get_cadence_for_user(request.user, pk)
    data = request.GET.copy()
    form = PreviewForm(data, cadence=cadence, user=request.user)
    choices = form.fields["item"].choices
    if not data.get("item") and choices:
        data["item"] = choices[0][0]  # the first email or letter (form.data is `data`)
    context = {"cadence": cadence, "form": form, "tab": "preview"}
    if choices and form.is_valid():
        context |= _rendered_preview(form, request.user)
    status = 400 if choices and form.errors else 200
    return render(request, TEMPLATES + "preview.html", context, status=status)


def _rendered_preview(form: PreviewForm, user: User) -> dict:
    item, lead, text = (form.cleaned_data[name] for name in ("item", "lead", "q"))
    matches = []
    if text:
        found = lead_search(leads_visible_to(user), text).select_related("owner")
        matches = list(found.order_by("last_name", "first_name", "pk")[:LEAD_MATCHES])
    context = {"item": item, "lead": lead, "matches": matches, "limit": LEAD_MATCHES}
    if isinstance(item, CadenceStep):
        context["letter_step"] = item
    else:
        context["variant"] = item
        if lead is not None:
            try:
                context["rendered"] = render_email(item, lead, preview_links())
            except Exception as error:  # a manager's template: show what broke, never a 500
                context["render_error"] = str(error)
    return context


@login_required
@require_GET
@framed_by_our_pages  # shown in the preview page's <iframe>
def letter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A letter step's letter for one lead, as the print run would print it (a PDF);
    what is wrong with it as plain text otherwise."""
    require_manager(request.user, PAGES)
    cadence = get_cadence_for_user(request.user, pk)
    form = LetterPreviewForm(request.GET, cadence=cadence, user=request.user)
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        return _plain_text("\n".join(problems), status=400)
    step, lead = form.cleaned_data["step"], form.cleaned_data["lead"]
    paper = form.cleaned_data["paper"] or Paper.LETTER
    try:
        pdf = letters_pdf(step.letter.template, [lead], paper=paper)
    except Exception as error:  # a manager's template (a missing include, a time limit)
        logger.info("Letter preview did not render: %s", error)
        return _plain_text(f"The letter does not render: {error}", status=400)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="letter-preview.pdf"'
    return response


def _plain_text(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)


@login_required
@require_POST
def test_send(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    cadence = get_cadence_for_user(request.user, pk)
    form = TestSendForm(request.POST, cadence=cadence, user=request.user)
    if not form.is_valid():
        preview_form = PreviewForm(None, cadence=cadence, user=request.user)
        context = {"cadence": cadence, "form": preview_form, "tab": "preview", "send": form}
        return render(request, TEMPLATES + "preview.html", context, status=400)
    variant, lead = form.cleaned_data["variant"], form.cleaned_data["lead"]
    _send_test(request, variant, lead)
    query = urlencode({"item": f"v{variant.pk}", "lead": lead.pk})
    return redirect(f"{reverse('cadences:preview', args=[cadence.pk])}?{query}")


def _send_test(request: HttpRequest, variant: StepVariant, lead: Lead) -> None:
    to = request.user.email
    if not to:
        messages.error(request, "Your account has no email address to send the test to.")
        return
    try:
        send_test_email(variant, lead, to)
    except Exception as error:  # a broken template or a mail server that said no
        logger.exception("Test send of variant %s failed", variant.pk)
        messages.error(request, f"The test was not sent: {error}")
        return
    messages.success(
        request, f"Sent step {variant.step.position} ({variant.label}) for {lead} to {to}."
    )


# The dry run


@login_required
@require_GET
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    cadence = get_cadence_for_user(request.user, pk)
    context = {
        "cadence": cadence,
        "run": cadence_dry_run(cadence),
        "tab": "dry_run",
        "cap_touches": settings.MAIL_CAP_TOUCHES,
        "cap_days": settings.MAIL_CAP_DAYS,
    }
    return render(request, TEMPLATES + "dry_run.html", context)
