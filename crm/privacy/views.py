"""A manager's answers to personal data requests, from the lead's page: the
download of everything stored about the person, and their erasure (a page
that says what goes, then a POST)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crm.privacy import selectors, services
from crm.privacy.forms import EraseForm


@login_required
@require_GET
def lead_export(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_privacy(request.user, pk)
    response = HttpResponse(
        selectors.lead_personal_data_json(lead), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-personal-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lead_erase(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_privacy(request.user, pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.lead_erase(lead=lead, by=request.user)
        messages.success(request, f"Lead #{lead.pk}'s personal data was erased.")
        return redirect(lead.get_absolute_url())
    context = {
        "lead": lead,
        "form": form,
        "erasures": selectors.lead_erasures(lead),
        "what_goes": selectors.erasure_summary(lead),
    }
    status = 400 if form.errors else 200
    return render(request, "crm/privacy/lead_erase.html", context, status=status)
