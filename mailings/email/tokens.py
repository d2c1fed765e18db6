"""Signed tokens in email links: unguessable, tamper-evident, one purpose each.

A token names the outbox email it came in (or the lead, for a confirmation);
the signature (SECRET_KEY, a salt per purpose) makes it impossible to forge or
alter. They do not expire: an unsubscribe link must work years later.
"""

from functools import lru_cache

from django.conf import settings
from django.core import signing

UNSUBSCRIBE = "mailings.unsubscribe"
OPEN = "mailings.open"
CLICK = "mailings.click"
CONFIRM = "mailings.confirm"


def make(purpose: str, value) -> str:
    """As signing.dumps(value, salt=purpose, compress=True) makes it."""
    return _signer(purpose, settings.SECRET_KEY).sign_object(value, compress=True)


@lru_cache(maxsize=16)
def _signer(purpose: str, key: str) -> signing.TimestampSigner:
    # One signer per purpose and key, not one per token: an email makes four.
    return signing.TimestampSigner(key=key, salt=purpose)


def read(purpose: str, token: str):
    """The value in the token, or None when it was not made by us for this purpose."""
    try:
        return signing.loads(token, salt=purpose)
    except signing.BadSignature:
        return None
