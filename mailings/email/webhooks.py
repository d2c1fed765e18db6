"""Who may call the inbound webhook: whoever knows MAIL_WEBHOOK_SECRET, from an
address that has not failed too often (crm.throttling)."""

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from crm.throttling import bearer_failure_record, bearer_retry_after


def bearer_token_ok(request: HttpRequest) -> bool:
    secret = settings.MAIL_WEBHOOK_SECRET
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not secret or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), secret.encode())


def bearer_refusal(request: HttpRequest) -> JsonResponse | None:
    """The answer to a caller that may not come in, or None for one that may: 429 while its
    address is over the failure limit (even with the right secret), else 401 without it."""
    retry_after = bearer_retry_after(scope="webhook", request=request)
    if retry_after is not None:
        message = "Too many failed attempts; try again later."
        response = JsonResponse({"errors": {"authorization": [message]}}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if not bearer_token_ok(request):
        bearer_failure_record(scope="webhook", request=request)
        message = "A valid bearer token is required."
        return JsonResponse({"errors": {"authorization": [message]}}, status=401)
    return None
