"""The snippet and its beacon endpoint, called from other websites by browsers.

A beacon is checked from the cheapest test to the dearest: its origin header,
the IP's rate, its size and JSON (crm.jsonbody), the site's origins, its fields, the
visitor's rate; then it is recorded. Every refusal is a 4xx with field errors,
never a 500.
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import etag, require_http_methods, require_safe

from crm.client_ip import client_ip
from crm.jsonbody import JsonBodyError, json_body
from crm.tracking import ratelimit, selectors, services
from crm.tracking.forms import BeaconForm
from crm.tracking.origins import origin_normalize

SNIPPET = "js/track.js"


@lru_cache(maxsize=1)
def _snippet() -> tuple[bytes, str]:
    content = Path(finders.find(SNIPPET)).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:20]


@require_safe
@etag(lambda request: _snippet()[1])
def snippet(request: HttpRequest) -> HttpResponse:
    """The tracking script. Cached for a day by browsers and CDNs: a new version
    reaches every site within a day, with no change to the tag."""
    response = HttpResponse(_snippet()[0], content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400, stale-while-revalidate=604800"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # for sites that require CORP
    return response


@csrf_exempt  # sent by browsers from other sites, without cookies
@require_http_methods(["POST", "OPTIONS"])
def collect(request: HttpRequest) -> HttpResponse:
    origin = origin_normalize(request.headers.get("Origin", ""))
    if request.method == "OPTIONS":
        return _preflight(origin)
    if not origin:
        return _error(403, "origin", "Beacons must come from a browser on a tracked site.")
    wait = ratelimit.seconds_until_allowed(
        "ip", client_ip(request), limit=settings.TRACKING_IP_RATE_PER_MINUTE
    )
    if wait:
        return _too_many(wait)
    try:
        payload = json_body(request, limit=settings.TRACKING_MAX_BODY_BYTES)
    except JsonBodyError as exc:
        return _refused_body(exc, origin)
    site = selectors.site_for_key(payload.get("site"))
    if site is None or origin not in site.allowed_origins:
        return _error(403, "origin", "This origin may not send events for this site.")
    return _with_cors(_record(site, payload), origin)


def _record(site, payload: dict) -> HttpResponse:
    form = BeaconForm(payload)
    if not form.is_valid():
        return JsonResponse({"errors": form.error_dict()}, status=400)
    beacon = form.beacon()
    wait = ratelimit.seconds_until_allowed(
        "visitor", f"{site.key}:{beacon.uid}", limit=settings.TRACKING_RATE_PER_MINUTE
    )
    if wait:
        return _too_many(wait)
    try:
        services.beacon_record(site=site, beacon=beacon)
    except ValidationError as exc:  # an identify with a bad email or phone
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return JsonResponse({"errors": errors}, status=400)
    return HttpResponse(status=204)


def _preflight(origin: str) -> HttpResponse:
    """For callers that post application/json (the snippet posts text/plain, which
    needs no preflight). The site is in the body, so any tracked origin passes."""
    if not origin or not selectors.origin_is_tracked(origin):
        return _error(403, "origin", "This origin is not a tracked site.")
    response = _with_cors(HttpResponse(status=204), origin)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _with_cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin"])
    return response


def _refused_body(exc: JsonBodyError, origin: str) -> HttpResponse:
    """With the CORS header for a tracked origin, so that the site's own script
    can read why (before the body is read, its site is not known)."""
    response = _error(exc.status, "body", str(exc))
    if selectors.origin_is_tracked(origin):
        _with_cors(response, origin)
    return response


def _too_many(wait: int) -> HttpResponse:
    response = _error(429, "__all__", "Too many events; try again later.")
    response["Retry-After"] = str(wait)
    return response


def _error(status: int, field: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": {field: [message]}}, status=status)
