"""A lead's cadences, by hand: enrol (from the lead page or the queue card), pause,
resume and remove. For managers and the lead's owner: whoever may see the lead."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from crm.models import Lead, User
from crm.selectors import get_lead_for_user
from followups.cadences import selectors, services
from followups.cadences.forms import EnrolForm
from followups.cadences.models import Enrolment


def lead_section(lead: Lead, user: User) -> dict:
    """The lead page's section on cadences (registered with crm.sections)."""
    return {
        "lead": lead,
        "enrolments": selectors.lead_enrolments(lead),
        "enrol_form": EnrolForm(lead=lead),
    }


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_create(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, lead_id)
    form = EnrolForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        cadence = form.cleaned_data["cadence"]
        enrolment = services.enrolment_create(
            cadence=cadence,
            lead=lead,
            source=f"Enrolled by hand by {request.user.display_name}",
            by=request.user,
        )
        if enrolment is not None:
            messages.success(request, f"{lead.display_name} is enrolled in {cadence.name}.")
        elif not cadence.steps.exists():
            messages.error(request, f"{cadence.name} has no steps yet: nobody can be enrolled.")
        else:
            messages.info(request, f"{lead.display_name} is in {cadence.name} already.")
        return _back(request, lead)
    context = {"lead": lead, "form": form, "next": _next(request)}
    status = 400 if form.errors else 200
    return render(request, "followups/cadences/enrol.html", context, status=status)


@login_required
@require_POST
def enrolment_pause(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_for_user(request.user, pk)
    queryset = Enrolment.objects.filter(pk=enrolment.pk)
    if services.enrolments_pause(enrolments=queryset, by=request.user):
        messages.success(
            request, f"Paused {enrolment.cadence.name}: nothing more happens until resumed."
        )
    else:
        messages.info(request, f"{enrolment.cadence.name} was not running for them.")
    return _back(request, enrolment.lead)


@login_required
@require_POST
def enrolment_resume(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_for_user(request.user, pk)
    if services.enrolments_resume(enrolments=Enrolment.objects.filter(pk=enrolment.pk)):
        messages.success(request, f"Resumed {enrolment.cadence.name}.")
    else:
        messages.info(request, f"{enrolment.cadence.name} was not paused for them.")
    return _back(request, enrolment.lead)


@login_required
@require_POST
def enrolment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_for_user(request.user, pk)
    if services.enrolment_remove(enrolment=enrolment, by=request.user):
        messages.success(
            request, f"Removed {enrolment.lead.display_name} from {enrolment.cadence.name}."
        )
    else:
        messages.info(request, f"They were no longer in {enrolment.cadence.name}.")
    return _back(request, enrolment.lead)


def _next(request: HttpRequest) -> str:
    """Where the form was sent from (the lead page, the queue), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _back(request: HttpRequest, lead: Lead) -> HttpResponse:
    return redirect(_next(request) or lead.get_absolute_url())
