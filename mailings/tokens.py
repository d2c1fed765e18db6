"""Signed tokens in email links: unguessable, tamper-evident, one purpose each.

A token names the outbox email it came in (or the lead, for a confirmation);
the signature (SECRET_KEY, a salt per purpose) makes it impossible to forge or
alter. They do not expire: an unsubscribe link must work years later.
"""

from django.core import signing

UNSUBSCRIBE = "mailings.unsubscribe"
OPEN = "mailings.open"
CLICK = "mailings.click"
CONFIRM = "mailings.confirm"


def make(purpose: str, value) -> str:
    return signing.dumps(value, salt=purpose, compress=True)


def read(purpose: str, token: str):
    """The value in the token, or None when it was not made by us for this purpose."""
    try:
        return signing.loads(token, salt=purpose)
    except signing.BadSignature:
        return None
