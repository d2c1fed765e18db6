"""The client's address, in one place: django-axes (AXES_CLIENT_IP_CALLABLE), the
bearer throttles (crm.throttling) and the tracking beacon's per-IP limit count by it."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """With TRUSTED_PROXY_COUNT proxies in front, the address the first of them saw:
    each proxy appends to X-Forwarded-For, so entries left of that one are the
    client's own words and may be forged."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [ip for ip in forwarded if ip]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
