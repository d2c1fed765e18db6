"""Lifting a login lockout, through django-axes' own reset."""

from axes.utils import reset


def lockout_lift(*, parameter: str, value: str) -> int:
    """Forget the failed logins of one username or one address; returns how many
    attempt records went. Lifting a username also takes its failures off the
    addresses they came from, so someone locked out by their own typos is let in."""
    if parameter == "username":
        return reset(username=value)
    return reset(ip=value)
