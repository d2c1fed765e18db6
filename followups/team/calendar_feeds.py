"""A person's planned calls as an iCalendar feed behind a secret URL.

Calendar apps fetch a subscribed feed without signing in, so the URL itself is
the secret. It is not stored anywhere: the token is the user's id and an HMAC
of that id and the user's password hash, keyed with SECRET_KEY (the way Django's
password reset tokens are made). So it cannot be guessed, and it is revoked by
changing the password (one person) or SECRET_KEY (everyone; tokens made with a
key in SECRET_KEY_FALLBACKS keep working while a rotation is under way). One
side effect: when Django re-hashes a password with stronger settings at the
next login, the address changes too, and the "My calendar" page shows the new one.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.crypto import constant_time_compare, salted_hmac

from crm.models import User
from followups.models import Channel, Touch
from followups.team import ical

TOKEN_SALT = "followups.calendar_feed"
FEED_PAST = dt.timedelta(days=1)  # overdue calls stay visible this long
FEED_LIMIT = 500  # a calendar has no use for more; the queue has them all
# What followups.queue.services plans when the person asks to be called back at a time.
CALL_BACK_ORIGIN, CALL_BACK_REASON = "Call outcome", "Asked us to call back then"
CALL_LENGTH = dt.timedelta(minutes=15)
REFRESH = dt.timedelta(minutes=15)


def feed_token(user: User, *, secret: str | None = None) -> str:
    digest = salted_hmac(
        TOKEN_SALT, f"{user.pk}:{user.password}", secret=secret, algorithm="sha256"
    ).hexdigest()
    return f"{user.pk}-{digest[:32]}"


def user_for_feed_token(token: str) -> User | None:
    """The active user this token belongs to, or None."""
    pk, _, _ = token.partition("-")
    if not (pk.isascii() and pk.isdigit()):
        return None
    user = User.objects.filter(pk=int(pk), is_active=True).first()
    if user is None:
        return None
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(token, feed_token(user, secret=secret)):
            return user
    return None


def feed_touches(user: User, *, now: dt.datetime) -> QuerySet[Touch]:
    """The open calls assigned to the user from a day back on: call-backs (a time
    the person asked for) first, then the others soonest first, up to FEED_LIMIT."""
    call_back = Q(origin=CALL_BACK_ORIGIN, reason=CALL_BACK_REASON)
    return (
        Touch.objects.filter(
            assigned_to=user,
            channel=Channel.CALL,
            status__in=Touch.OPEN,
            due_at__gte=now - FEED_PAST,
        )
        .annotate(call_back=Case(When(call_back, then=Value(0)), default=Value(1)))
        .select_related("lead")
        .order_by("call_back", "due_at", "id")[:FEED_LIMIT]
    )


def feed_ics(user: User, touches: list[Touch], *, lead_url, now: dt.datetime) -> str:
    """The iCalendar text. `lead_url(lead)` gives the absolute URL of a lead's page."""
    domain = uid_domain()
    events = (
        ical.Event(
            uid=f"touch-{touch.pk}@{domain}",
            start=touch.due_at,
            duration=CALL_LENGTH,
            summary=f"Call {touch.lead.display_name}",
            description="\n".join(filter(None, (touch.reason, tel_uri(touch.lead)))),
            url=lead_url(touch.lead),
        )
        for touch in touches
    )
    return ical.calendar(events, name=f"Calls: {user.display_name}", stamp=now, refresh=REFRESH)


def uid_domain() -> str:
    """The part of each event's UID that makes it unique beyond this installation:
    the configured site's host, never the host the feed was fetched by — a feed read
    through another name (a proxy, an IP) must not show every call twice."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def tel_uri(lead) -> str:
    """RFC 3966: tel:+14155552671;ext=12."""
    if not lead.phone:
        return ""
    return f"tel:{lead.phone}" + (f";ext={lead.phone_ext}" if lead.phone_ext else "")
