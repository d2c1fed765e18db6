"""Email addresses as we compare and remember them."""

import hashlib


def normalise_email(email: str) -> str:
    """Trimmed and lowercased: how addresses are matched everywhere."""
    return (email or "").strip().lower()


def email_digest(email: str) -> str:
    """SHA-256 of the normalised address: enough to recognise it again, not to read it.
    The suppression list keeps only this, so it can outlive the lead."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()
