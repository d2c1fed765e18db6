"""A fixed one-minute window per key, counted in the cache (Redis in production,
local memory in development and tests).

Keys are hashed, so no IP address is kept even for the minute it counts. If the
cache is down, beacons are let through: losing the limit for a while is better
than losing the events.
"""

import hashlib
import logging
import math
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def seconds_until_allowed(scope: str, identity: str, *, limit: int) -> int:
    """0 when one more hit is allowed (and counts it), else the seconds to wait."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"tracking:rate:{scope}:{digest}:{window}"
    try:
        count = _hit(key)
    except Exception:  # any cache backend's connection error
        logger.warning("Tracking rate limit not checked: the cache is unavailable", exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def _hit(key: str) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # the window's first hit
        # Two windows long, so a key never expires while its own minute is running.
        if cache.add(key, 1, timeout=2 * WINDOW_SECONDS):
            return 1
        return cache.incr(key)
