"""The `crm=` token a tracked email link carries to a tracked website: it names the
lead who clicked, so the snippet on the landing page links its visitor to that lead.

Signed like the other email tokens (SECRET_KEY, a salt of its own), but made at
the click and valid for a day only: the landing URL may be bookmarked or shared,
and the snippet removes the token from the address bar at once.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core import signing

from crm.tracking import selectors

PURPOSE = "crm.tracking.lead"
MAX_AGE_SECONDS = 24 * 60 * 60
PARAMETER = "crm"


def lead_token_make(lead_id: int) -> str:
    return signing.dumps(lead_id, salt=PURPOSE, compress=True)


def lead_token_read(token: str) -> int | None:
    """The lead id in the token, or None when it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=PURPOSE, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def url_with_lead_token(url: str, *, lead_id: int) -> str:
    """The destination of a tracked email link with the lead's token added, when it
    is on a tracked site; any other destination is left exactly as it was."""
    parts = urlsplit(url)
    if not selectors.origin_is_tracked(f"{parts.scheme}://{parts.netloc}"):
        return url
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name != PARAMETER
    ]
    query.append((PARAMETER, lead_token_make(lead_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))
