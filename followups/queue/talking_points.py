"""What the rep may bring up on a call or in an email, in sentences a person
would say: "Ada downloaded “Zero-touch onboarding” on Tuesday", "Ada stopped by
the booth at Expo 2026 on 3 March (rated hot) and said: “Needs 40 seats before Q3”".

Pure functions over the lead's recent interactions (crm.selectors.
lead_recent_interactions, told by crm.sentences, whose pieces these sentences
are built from): the touch's own reason first, then one point a theme (the
booth, downloads, pages read, a cart left behind, an email clicked, the last
conversation), newest first within each. The step's script comes after them on
the card.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from crm.models import Interaction, Lead
from crm.sentences.pieces import (
    booth_answers,
    booth_rating,
    content_name,
    email_subject,
    event_name,
    link_words,
    lower_first,
    quoted,
)

Kind = Interaction.Kind
# How far back a card looks, and how much of each theme it tells.
LOOKBACK = dt.timedelta(days=90)
PAGES_TOLD = 3
DOWNLOADS_TOLD = 2
ANSWERS_TOLD = 3
WEEK_DAYS = 7

Theme = Callable[["_Lead", list[Interaction], Interaction | None], str]


@dataclass(frozen=True)
class _Lead:
    """How the sentences name the lead (by first name, or "They"), and the day
    they are said on (in the viewer's zone)."""

    name: str
    today: dt.date


def compose(
    *, lead: Lead, recent: list[Interaction], reason_id: int | None, now: dt.datetime
) -> list[str]:
    """The talking points, from the lead's recent interactions (newest first), the
    theme of the touch's reason (the interaction `reason_id`) first."""
    who = _Lead(name=lead.first_name.strip() or "They", today=timezone.localdate(now))
    reason = next((i for i in recent if i.pk == reason_id), None)
    themes = sorted(THEMES.items(), key=lambda item: reason is None or reason.kind not in item[0])
    points = [theme(who, recent, reason) for _kinds, theme in themes]
    return [point for point in points if point]


def when(moment: dt.datetime, today: dt.date) -> str:
    """today, yesterday, on Tuesday, on 3 March, on 3 March 2025 (the viewer's zone)."""
    day = timezone.localtime(moment).date()
    days = (today - day).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if 0 < days < WEEK_DAYS:
        return f"on {day:%A}"
    if day.year == today.year:
        return f"on {day.day} {day:%B}"
    return f"on {day.day} {day:%B %Y}"


def _latest(recent: list[Interaction], kinds, reason: Interaction | None) -> Interaction | None:
    """The reason, when it is of these kinds, else the newest of them."""
    if reason is not None and reason.kind in kinds:
        return reason
    return next((i for i in recent if i.kind in kinds), None)


def _booth(who: _Lead, recent, reason) -> str:
    visit = _latest(recent, (Kind.BOOTH_VISIT,), reason)
    if visit is None:
        return ""
    event = event_name(visit)
    where = f"the booth at {event}" if event else "the booth"
    point = f"{who.name} stopped by {where} {when(visit.occurred_at, who.today)}"
    if rating := booth_rating(visit):
        point += f" (rated {rating})"
    if said := quoted(visit.notes):
        point += f" and said: {said}"
    answers = [_answer(heading, answer) for heading, answer in booth_answers(visit)]
    if answers:
        point += ". " + "; ".join(answers[:ANSWERS_TOLD])
    return point


def _answer(heading: str, answer: str) -> str:
    heading = heading.strip()
    if heading.endswith("?"):
        return f"Asked “{heading}”, they answered {quoted(answer)}"
    return f"{heading.rstrip(':')}: {quoted(answer)}"


def _downloads(who: _Lead, recent, reason) -> str:
    downloads = _reason_first(reason, [i for i in recent if i.kind == Kind.CONTENT_DOWNLOAD])
    told = [
        f"“{name}” {when(download.occurred_at, who.today)}"
        for download in downloads[:DOWNLOADS_TOLD]
        if (name := content_name(download))
    ]
    if not told:
        return (
            f"{who.name} downloaded something {when(downloads[0].occurred_at, who.today)}"
            if downloads
            else ""
        )
    return f"{who.name} downloaded " + " and ".join(told)


def _pages(who: _Lead, recent, _reason) -> str:
    visits = [i for i in recent if i.kind == Kind.WEB_VISIT]
    pages = list(dict.fromkeys(visit.described.page for visit in visits if visit.described.page))
    if not pages:
        return ""
    more = len(pages) - PAGES_TOLD
    if more > 0:
        listed = ", ".join(pages[:PAGES_TOLD]) + f" and {more} other page{'s' if more > 1 else ''}"
    else:
        listed = _and(pages)
    host = next((visit.described.host for visit in visits if visit.described.host), "")
    on = f" on {host}" if host else ""
    return f"{who.name} read {listed}{on}, the latest {when(visits[0].occurred_at, who.today)}"


def _cart(who: _Lead, recent, reason) -> str:
    cart = _latest(recent, (Kind.CART_ABANDONED,), reason)
    if cart is None or any(
        i.kind == Kind.PURCHASE and i.occurred_at > cart.occurred_at for i in recent
    ):
        return ""
    what = cart.described.cart
    point = f"{who.name} left a cart {when(cart.occurred_at, who.today)}"
    return f"{point}: {what}" if what else f"{point} without buying"


def _purchase(who: _Lead, recent, reason) -> str:
    purchase = _latest(recent, (Kind.PURCHASE,), reason)
    if purchase is None:
        return ""
    sentence = purchase.described.sentence  # "Bought Pro plan — €490.00"
    return f"{who.name} {lower_first(sentence)} {when(purchase.occurred_at, who.today)}"


def _email(who: _Lead, recent, reason) -> str:
    email = _latest(recent, (Kind.EMAIL_CLICKED, Kind.EMAIL_REPLIED), reason)
    if email is None:
        return ""
    day = when(email.occurred_at, who.today)
    if email.kind == Kind.EMAIL_REPLIED:
        said = quoted(email.notes)
        return f"{who.name} replied to an email {day}" + (f": {said}" if said else "")
    link, subject = link_words(email), email_subject(email)
    clicked = f"{who.name} clicked {link}" if link else f"{who.name} clicked a link"
    return f"{clicked} in the email {subject} {day}" if subject else f"{clicked} in an email {day}"


CONVERSATIONS = {Kind.CALL: "call", Kind.MEETING: "meeting", Kind.SUPPORT_CALL: "support call"}


def _conversation(who: _Lead, recent, _reason) -> str:
    """The last call or meeting with notes: what was said then."""
    talks = (i for i in recent if i.kind in CONVERSATIONS and i.notes.strip())
    talk = next(talks, None)
    if talk is None:
        return ""
    by = f" with {talk.user.display_name}" if talk.user else ""
    day = when(talk.occurred_at, who.today)
    return f"On the last {CONVERSATIONS[talk.kind]}{by} ({day}): {quoted(talk.notes)}"


def _giveaway(who: _Lead, recent, reason) -> str:
    entry = _latest(recent, (Kind.GIVEAWAY_ENTRY,), reason)
    if entry is None:
        return ""
    event = event_name(entry)
    what = f"the giveaway {event}" if event else "a giveaway"
    return f"{who.name} entered {what} {when(entry.occurred_at, who.today)}"


def _reason_first(reason: Interaction | None, interactions: list[Interaction]) -> list:
    if reason is None or reason not in interactions:
        return interactions
    return [reason, *(i for i in interactions if i != reason)]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# The themes in the order they are told (the reason's first), by the kinds they tell.
THEMES: dict[tuple[str, ...], Theme] = {
    (Kind.BOOTH_VISIT,): _booth,
    (Kind.CONTENT_DOWNLOAD,): _downloads,
    (Kind.CART_ABANDONED,): _cart,
    (Kind.EMAIL_CLICKED, Kind.EMAIL_REPLIED): _email,
    (Kind.WEB_VISIT,): _pages,
    (Kind.GIVEAWAY_ENTRY,): _giveaway,
    (Kind.PURCHASE,): _purchase,
    (Kind.CALL, Kind.MEETING, Kind.SUPPORT_CALL): _conversation,
}
KINDS = tuple(kind for kinds in THEMES for kind in kinds)
