"""Pages reached from inside emails, by people who are not logged in (and by the
mail scanners that follow every link first): unsubscribe, confirm, open and
click tracking, and the inbound webhook. Each is keyed by a signed token;
a token that does not verify changes nothing and gets a 400."""

import base64

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.jsonbody import JsonBodyError, json_body
from crm.models import Lead
from crm.tracking.tokens import url_with_lead_token
from mailings.consent.services import consent_confirm
from mailings.consent.unsubscribes import unsubscribe_by_token, unsubscribe_target
from mailings.email import tokens
from mailings.email.forms import InboundEventForm
from mailings.email.inbound import inbound_event
from mailings.email.tracking import email_clicked, email_opened
from mailings.email.webhooks import bearer_refusal
from mailings.models import OutboxEmail

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # RFC 8058: the one-click POST comes from the mail provider, without cookies
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = unsubscribe_target(token)
    if target is None:
        return render(request, "mailings/public/link_invalid.html", status=400)
    if request.method == "GET":  # a page to confirm on: scanners GET every link
        return render(request, "mailings/public/unsubscribe.html", {"target": target})
    unsubscribe_by_token(target, ip_address=_client_ip(request))
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    return render(request, "mailings/public/unsubscribed.html", {"target": target})


@csrf_exempt  # the confirmation page posts back to itself from a link, maybe without cookies
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    lead = Lead.objects.filter(pk=tokens.read(tokens.CONFIRM, token) or 0).first()
    if lead is None:
        return render(request, "mailings/public/link_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "mailings/public/confirm.html", {"lead": lead})
    confirmed = consent_confirm(
        lead=lead, source="confirmation link", ip_address=_client_ip(request)
    )
    return render(request, "mailings/public/confirmed.html", {"confirmed": confirmed})


@never_cache
@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    outbox = _outbox(tokens.read(tokens.OPEN, token))
    if outbox is not None:
        email_opened(outbox=outbox, user_agent=_user_agent(request))
    return HttpResponse(PIXEL, content_type="image/gif", status=200 if outbox else 400)


@never_cache
@require_GET
def clicked(request: HttpRequest, token: str) -> HttpResponse:
    value = tokens.read(tokens.CLICK, token)
    outbox = _outbox(value[0]) if isinstance(value, list) and len(value) == 2 else None
    url = value[1] if outbox else ""
    if outbox is None or not str(url).startswith(("https://", "http://")):
        return render(request, "mailings/public/link_invalid.html", status=400)
    if not email_clicked(outbox=outbox, url=url, user_agent=_user_agent(request)):
        return HttpResponseRedirect(url)  # a scanner's: it must not become the lead's browser
    # On a tracked website, the snippet links the browser to the lead who clicked.
    return HttpResponseRedirect(url_with_lead_token(url, lead_id=outbox.lead_id))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Generic inbound events: one JSON object or a list of them, with the shared
    secret as a bearer token. Answers which were done, or 400 with field errors
    (and then none is done)."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    try:
        payload = json_body(request, kinds=(dict, list))
    except JsonBodyError as exc:
        return JsonResponse({"errors": {"body": [str(exc)]}}, status=exc.status)
    events = payload if isinstance(payload, list) else [payload]
    forms = [InboundEventForm(event if isinstance(event, dict) else {}) for event in events]
    errors = {
        str(i): form.errors.get_json_data() for i, form in enumerate(forms) if not form.is_valid()
    }
    if errors or not forms:
        return JsonResponse(
            {"errors": errors or {"body": ["Send at least one event."]}}, status=400
        )
    done = [inbound_event(**form.event_kwargs()) for form in forms]
    return JsonResponse({"done": done})


def _outbox(outbox_id) -> OutboxEmail | None:
    if not isinstance(outbox_id, int):
        return None
    return OutboxEmail.objects.select_related("lead").filter(pk=outbox_id).first()


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
