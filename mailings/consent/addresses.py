"""Email addresses as we compare and remember them."""

import hashlib

from crm.contact import normalize_email


def normalise_email(email: str) -> str:
    """crm's normal form, lowercased: how addresses are matched everywhere."""
    return normalize_email(email).lower()


def email_digest(email: str) -> str:
    """SHA-256 of the normalised address: enough to recognise it again, not to read it.
    The suppression list keeps only this, so it can outlive the lead."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()
