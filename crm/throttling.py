"""Failed bearer secrets (API tokens, the mail webhook's secret) counted per client
address in a fixed window of the cache; over the limit, the address is refused until
the window ends. Checked before any lookup, so a refusal says nothing about whether
a token exists."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from crm.client_ip import client_ip


def _keys(scope: str, ip: str) -> tuple[str, str]:
    """The failure count, and when its window ends (a timestamp, for Retry-After)."""
    count_key = f"bearer-failures:{scope}:{ip}"
    return count_key, f"{count_key}:until"


def bearer_retry_after(*, scope: str, request: HttpRequest) -> int | None:
    """Seconds until this address may try again, or None while it is under the limit."""
    count_key, until_key = _keys(scope, client_ip(request))
    if cache.get(count_key, 0) < settings.BEARER_FAILURE_LIMIT:
        return None
    until = cache.get(until_key) or time.time() + settings.BEARER_FAILURE_WINDOW_SECONDS
    return max(round(until - time.time()), 1)


def bearer_failure_record(*, scope: str, request: HttpRequest) -> None:
    window = settings.BEARER_FAILURE_WINDOW_SECONDS
    count_key, until_key = _keys(scope, client_ip(request))
    # add, then incr: the window's first failure creates the count with the window's
    # lifetime, and incr keeps that lifetime, so the window is fixed, not sliding.
    try:
        if cache.add(count_key, 1, timeout=window):
            cache.set(until_key, time.time() + window, timeout=window)
        else:
            cache.incr(count_key)
    except ValueError:  # the count expired between add and incr: not worth a retry
        pass


def bearer_failures_forget(*, scope: str, ip: str) -> None:
    """Let an address try again now (the tests, which share one address and one cache)."""
    cache.delete_many(_keys(scope, ip))


class TooManyFailures(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; try again in {retry_after} seconds.")
        self.retry_after = retry_after
