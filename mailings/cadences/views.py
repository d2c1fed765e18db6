"""The manager's drip pages: the list, the builder (a drip with its steps and their
variants on one page), preview and test send, the A/B report, the dry run, and
enrolments (by hand from the lead list's filters, and removal)."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.audiences.selectors import audience_chosen, audience_members
from crm.filters import LeadFilter, filter_summary
from crm.models import Lead, User
from crm.roles import require_manager
from crm.selectors import lead_search, leads_visible_to
from mailings import selectors
from mailings.abtest import drip_report, machine_counts
from mailings.drip_forms import (
    PREFIX,
    BulkEnrolForm,
    DripBuilder,
    EnrolmentFilterForm,
    PreviewForm,
    TestSendForm,
    new_step_block,
    new_variant_block,
)
from mailings.drips import enrolments_stop
from mailings.dryrun import drip_dry_run
from mailings.emails import preview_links, send_test_email
from mailings.enrolling import enrolments_create_bulk, leads_to_enrol
from mailings.models import Drip, Enrolment, StepVariant
from mailings.rendering import render_email

logger = logging.getLogger(__name__)

LEAD_MATCHES = 10
ENROLMENTS_SHOWN = 200


# The list


@login_required
@require_GET
def drip_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    context = {"drips": selectors.drips_with_counts(timezone.now())}
    return render(request, "mailings/drips/list.html", context)


# The builder


@login_required
@require_http_methods(["GET", "POST"])
def drip_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    return _build(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def drip_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    return _build(request, get_object_or_404(Drip, pk=pk))


def _build(request: HttpRequest, drip: Drip | None) -> HttpResponse:
    saved_name = drip.name if drip else ""  # validation writes the posted name on the drip
    builder = DripBuilder(request.POST if request.method == "POST" else None, drip=drip)
    if request.method == "POST" and builder.is_valid():
        drip = builder.save()
        messages.success(request, f"Saved {drip.name}.")
        return redirect("drips:edit", drip.pk)
    context = {"builder": builder, "drip": drip, "saved_name": saved_name, "tab": "edit"}
    status = 400 if request.method == "POST" else 200
    return render(request, "mailings/drips/builder.html", context, status=status)


@login_required
@require_GET
def step_block(request: HttpRequest) -> HttpResponse:
    """A new, empty step for the builder (htmx appends it)."""
    require_manager(request.user, "The drip pages")
    return render(request, "mailings/drips/_step.html", {"step": new_step_block()})


@login_required
@require_GET
def variant_block(request: HttpRequest) -> HttpResponse:
    """A new, empty variant for a step of the builder (htmx appends it)."""
    require_manager(request.user, "The drip pages")
    step_prefix = request.GET.get("step", "")
    if not PREFIX.match(step_prefix):
        return HttpResponseBadRequest("Which step?")
    context = {"variant": new_variant_block(), "step_prefix": step_prefix}
    return render(request, "mailings/drips/_variant.html", context)


# Preview and test send


@login_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    drip = get_object_or_404(Drip, pk=pk)
    data = request.GET.copy()
    if not data.get("variant"):
        first = StepVariant.objects.filter(step__drip=drip).order_by("step__position", "label")
        data["variant"] = str(first.values_list("pk", flat=True).first() or "")
    form = PreviewForm(data, drip=drip, user=request.user)
    context = {"drip": drip, "form": form, "tab": "preview"}
    if form.is_valid():
        context |= _rendered_preview(form, request.user)
    status = 400 if form.errors and data["variant"] else 200
    return render(request, "mailings/drips/preview.html", context, status=status)


def _rendered_preview(form: PreviewForm, user: User) -> dict:
    variant, lead, text = (form.cleaned_data[name] for name in ("variant", "lead", "q"))
    matches = []
    if text:
        found = lead_search(leads_visible_to(user), text).select_related("owner")
        matches = list(found.order_by("last_name", "first_name", "pk")[:LEAD_MATCHES])
    context = {"variant": variant, "lead": lead, "matches": matches}
    if lead is not None:
        try:
            context["rendered"] = render_email(variant, lead, preview_links())
        except Exception as error:  # a manager's template: show what broke, never a 500
            context["render_error"] = str(error)
    return context


@login_required
@require_POST
def test_send(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    drip = get_object_or_404(Drip, pk=pk)
    form = TestSendForm(request.POST, drip=drip, user=request.user)
    if not form.is_valid():
        context = {"drip": drip, "form": form, "tab": "preview"}
        return render(request, "mailings/drips/preview.html", context, status=400)
    variant, lead = form.cleaned_data["variant"], form.cleaned_data["lead"]
    _send_test(request, variant, lead)
    query = urlencode({"variant": variant.pk, "lead": lead.pk})
    return redirect(f"{reverse('drips:preview', args=[drip.pk])}?{query}")


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


# Reports


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    drip = get_object_or_404(Drip, pk=pk)
    steps = drip_report(drip)
    context = {
        "drip": drip,
        "steps": steps,
        "machines": machine_counts(steps),
        "machine_seconds": settings.MAIL_MACHINE_SECONDS,
        "tab": "report",
    }
    return render(request, "mailings/drips/report.html", context)


@login_required
@require_GET
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    drip = get_object_or_404(Drip, pk=pk)
    context = {
        "drip": drip,
        "run": drip_dry_run(drip),
        "tab": "dry_run",
        "cap_touches": settings.MAIL_CAP_TOUCHES,
        "cap_days": settings.MAIL_CAP_DAYS,
    }
    return render(request, "mailings/drips/dry_run.html", context)


# Enrolments


@login_required
@require_GET
def enrolments(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The drip pages")
    drip = get_object_or_404(Drip, pk=pk)
    form = EnrolmentFilterForm({"status": Enrolment.Status.ACTIVE} | request.GET.dict())
    context = {"drip": drip, "form": form, "tab": "enrolments"}
    if not form.is_valid():
        return render(request, "mailings/drips/enrolments.html", context, status=400)
    listed = selectors.drip_enrolments(drip, **form.cleaned_data)
    context |= {"enrolments": listed[:ENROLMENTS_SHOWN], "total": listed.count()}
    return render(request, "mailings/drips/enrolments.html", context)


@login_required
@require_POST
def enrolment_remove(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    """Take a lead out of the drip: the enrolment stops, emails not sent are cancelled."""
    require_manager(request.user, "The drip pages")
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("lead", "drip"), pk=enrolment_pk, drip_id=pk
    )
    stopped = 0
    if enrolment.status == Enrolment.Status.ACTIVE:
        stopped = enrolments_stop(
            lead=enrolment.lead,
            reason=f"Removed by {request.user.display_name}",
            drips=[enrolment.drip_id],
        )
    if stopped:
        messages.success(request, f"Removed {enrolment.lead} from {enrolment.drip}.")
    else:
        messages.info(request, f"{enrolment.lead} was no longer in {enrolment.drip}.")
    return redirect("drips:enrolments", pk)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrol the leads the lead list shows for its filters (the same query string),
    or the members of an audience (?audience=ID)."""
    require_manager(request.user, "The drip pages")
    leads = leads_visible_to(request.user)
    lead_filter = LeadFilter(request.GET, queryset=leads, user=request.user)
    audience = audience_chosen(request.GET.get("audience"))
    if request.method == "POST":
        form = BulkEnrolForm(request.POST)
    else:
        form = BulkEnrolForm(request.GET if "drip" in request.GET else None)
    context = {"filter": lead_filter, "form": form, "audience": audience}
    if audience:
        leads, summary = audience_members(audience, within=leads), [("Audience", audience.name)]
    elif lead_filter.is_valid():
        leads, summary = lead_filter.qs, filter_summary(lead_filter)
    else:
        return render(request, "mailings/drips/enrol.html", context, status=400)
    context |= {"matching": leads.count(), "summary": summary}
    if form.is_valid():
        drip = form.cleaned_data["drip"]
        to_enrol = leads_to_enrol(drip=drip, leads=leads).count()
        context |= {"drip": drip, "to_enrol": to_enrol, "already": context["matching"] - to_enrol}
        if request.method == "POST":
            if form.cleaned_data["expected"] == to_enrol:
                enrolled = enrolments_create_bulk(drip=drip, leads=leads, by=request.user)
                messages.success(request, f"Enrolled {enrolled} lead{'s' * (enrolled != 1)}.")
                return redirect("drips:enrolments", drip.pk)
            form.add_error(None, "The number of leads changed since you looked: check and confirm.")
    status = 400 if form.errors else 200
    return render(request, "mailings/drips/enrol.html", context, status=status)
