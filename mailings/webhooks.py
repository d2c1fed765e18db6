"""Who may call the inbound webhook: whoever knows MAIL_WEBHOOK_SECRET."""

import hmac

from django.conf import settings
from django.http import HttpRequest


def bearer_token_ok(request: HttpRequest) -> bool:
    secret = settings.MAIL_WEBHOOK_SECRET
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not secret or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), secret.encode())
