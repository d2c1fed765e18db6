"""Referral links: the public redirect, and giving a lead its link on demand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from crm import selectors
from crm.referrals.selectors import referrer_for_code
from crm.referrals.services import referral_code_for, referral_landing


@require_GET
def referral_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """/r/<code>: on to the website with ?ref=<code>; 404 for a code nobody has."""
    referrer = referrer_for_code(code)
    if referrer is None:
        raise Http404("No such referral link.")
    response = redirect(referral_landing(referrer.referral_code))
    response["Cache-Control"] = "no-store"  # a code can be withdrawn
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def referral_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    referral_code_for(lead)
    messages.success(request, "Referral link created.")
    return redirect(lead)
