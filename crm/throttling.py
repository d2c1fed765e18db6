"""Failed bearer secrets (API tokens, the mail webhook's secret) counted per client
address in a fixed window of the cache; over the limit, the address is refused until
the window ends. Counted before any lookup, so a refusal says nothing about whether
a token exists."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from crm.client_ip import client_ip


def _window_key(scope: str, request: HttpRequest) -> tuple[str, int]:
    """The key of the current window and the seconds left in it."""
    window = settings.BEARER_FAILURE_WINDOW_SECONDS
    now = int(time.time())
    start = now - now % window
    return f"bearer-failures:{scope}:{client_ip(request)}:{start}", start + window - now


def bearer_retry_after(*, scope: str, request: HttpRequest) -> int | None:
    """Seconds until this address may try again, or None while it is under the limit."""
    key, seconds_left = _window_key(scope, request)
    if cache.get(key, 0) >= settings.BEARER_FAILURE_LIMIT:
        return max(seconds_left, 1)
    return None


def bearer_failure_record(*, scope: str, request: HttpRequest) -> None:
    key, seconds_left = _window_key(scope, request)
    # add then incr: the first failure of a window creates the key, every other adds one.
    if not cache.add(key, 1, timeout=seconds_left + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this failure starts anew
            cache.add(key, 1, timeout=seconds_left + 1)


class TooManyFailures(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; try again in {retry_after} seconds.")
        self.retry_after = retry_after
