"""What an interaction says, in a sentence a person would say: "Read “Pricing”
(/pricing) on acme.com", "Left a cart: 2 x Widget Pro — €1,249.00".

crm owns these words; the lead page's timeline, the rep's card and the touch
reasons (followups) all use them, so one thing is never told two ways. The
pieces (a page, a cart, an email's subject) are functions of their own, for
followups' talking points to build their sentences from.

Some words live beside the interaction, not in it: a cart's items are its
cart_add interactions, and the site of a web event is its visitor's. describe_all
looks them up for a whole list at once (two queries at most, whatever its length);
describe alone never queries, and leaves those words out.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from babel.numbers import format_currency, format_decimal, get_currency_symbol, is_currency

from crm.models import Interaction
from crm.outcomes import CallOutcome, MeetingOutcome
from crm.tracking.events import KEY_PREFIX
from crm.tracking.events import SOURCE as WEBSITE
from crm.tracking.models import Visitor

Kind = Interaction.Kind
CART_KINDS = (Kind.CART_ABANDONED, Kind.CHECKOUT_STARTED, Kind.PURCHASE)
# The kinds whose sentence says the outcome (their outcomes are codes with labels).
OUTCOME_KINDS = (Kind.CALL, Kind.MEETING, Kind.SUPPORT_CALL, Kind.EMAIL_BOUNCED)
MONEY_LOCALE = "en_US"
# "Q1: Interested in": the question's number is the form's, not the person's words.
QUESTION_NUMBER = re.compile(r"\A\s*Q\d+\s*[:.)-]\s*", re.IGNORECASE)
TIMES = "\u00d7"  # the multiplication sign: "2 x Widget Pro" as it is printed
NOTE_CHARS = 300  # of a reason or a rep's notes, quoted in a sentence
# Headings of the columns a booth list keeps that hold what the person said
# (besides any heading that asks a question): the rest are badge ids, ticket
# types and the like, which nobody says on a call.
ANSWER_WORDS = frozenset(
    {
        "interest",
        "interests",
        "interested",
        "timeline",
        "timeframe",
        "budget",
        "need",
        "needs",
        "challenge",
        "challenges",
        "product",
        "products",
        "project",
        "plan",
        "plans",
        "comment",
        "comments",
        "question",
        "questions",
        "follow",
    }
)


@dataclass(frozen=True)
class CartLine:
    product: str
    count: int


@dataclass
class Surroundings:
    """What describing a list of interactions needs from other rows."""

    carts: dict[tuple[int, str], list[Interaction]] = field(default_factory=dict)
    hosts: dict[int, str] = field(default_factory=dict)  # visitor id -> "acme.com"


@dataclass(frozen=True)
class Described:
    """An interaction told: its sentence, its notes when the sentence does not
    say them already, and what a booth visitor answered (heading, answer)."""

    sentence: str
    note: str = ""
    answers: tuple[tuple[str, str], ...] = ()
    # Pieces for other sentences (followups' talking points), with what describe_all
    # looked up: the page read, the site it is on, what was in the cart.
    page: str = ""
    host: str = ""
    cart: str = ""


def describe_all(interactions: list[Interaction]) -> list[Interaction]:
    """Give each interaction its `described` (the same list, for chaining), with the
    words from other rows looked up for all of them at once."""
    surroundings = surroundings_for(interactions)
    for interaction in interactions:
        interaction.described = describe(interaction, surroundings)
    return interactions


def surroundings_for(interactions: list[Interaction]) -> Surroundings:
    return Surroundings(carts=_cart_adds(interactions), hosts=_visitor_hosts(interactions))


def describe(interaction: Interaction, surroundings: Surroundings | None = None) -> Described:
    around = surroundings or Surroundings()
    teller = _TELLERS.get(interaction.kind, _plain)
    sentence, notes_told = teller(interaction, around)
    if interaction.outcome and interaction.kind not in OUTCOME_KINDS:
        # Free text from before outcomes were codes (crm.outcomes), kept as it was.
        sentence += f" — {interaction.outcome}"
    note = "" if notes_told else interaction.notes.strip()
    return Described(
        sentence=sentence,
        note=note,
        answers=booth_answers(interaction),
        page=page_words(interaction),
        host=site_host(interaction, around),
        cart=cart_words(interaction, around) if interaction.kind in CART_KINDS else "",
    )


# The pieces, for sentences here and in followups' talking points.


def page_words(interaction: Interaction) -> str:
    """“Pricing” (/pricing); “Pricing”; /pricing; "" when nothing is known."""
    data = _data(interaction)
    title, path = _text(data.get("title")), interaction.path or _text(data.get("url"))
    if title and path:
        return f"“{title}” ({path})"
    return f"“{title}”" if title else path


def site_host(interaction: Interaction, surroundings: Surroundings | None) -> str:
    visitor_id = _visitor_id(interaction)
    if surroundings is None or visitor_id is None:
        return ""
    return surroundings.hosts.get(visitor_id, "")


def content_name(interaction: Interaction) -> str:
    """The title of what was downloaded, or its slug made readable."""
    data = _data(interaction)
    name = _text(data.get("title")) or _text(data.get("asset")) or _text(data.get("name"))
    if name:
        return name
    slug = _text(data.get("content"))
    if slug and " " not in slug and slug == slug.lower():
        return slug.replace("-", " ").replace("_", " ").capitalize()
    return slug


def cart_lines(interaction: Interaction, surroundings: Surroundings | None) -> list[CartLine]:
    """What was in the interaction's cart, by product, in the order first added."""
    adds = _adds_of(interaction, surroundings)
    counts = Counter(_text(_data(add).get("product")) for add in adds)
    counts.pop("", None)
    return [CartLine(product, count) for product, count in counts.items()]


def cart_words(interaction: Interaction, surroundings: Surroundings | None = None) -> str:
    """2 x Widget Pro, 1 x Cable — €1,249.00; either part alone; "" for neither."""
    items = ", ".join(
        f"{line.count} {TIMES} {line.product}" for line in cart_lines(interaction, surroundings)
    )
    amount = money(_amount(interaction), _currency(interaction, surroundings))
    return " — ".join(part for part in (items, amount) if part)


def email_subject(interaction: Interaction) -> str:
    """The subject of the email (mailings keeps it in the notes), quoted."""
    subject = _text(_data(interaction).get("subject")) or interaction.notes.strip()
    return f"“{subject}”" if subject else ""


def link_words(interaction: Interaction) -> str:
    """The clicked link as people read it: acme.com/pricing."""
    url = _text(_data(interaction).get("url"))
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return (host + parts.path.rstrip("/")) or url


def booth_rating(interaction: Interaction) -> str:
    """The rating as the list had it (hot, 5/5, 4): the latest scan's, for a badge
    scanned more than once (crm.imports.visits)."""
    rating = _text(_latest_scan(interaction).get("rating")) or _text(
        _data(interaction).get("rating")
    )
    return rating.lower() if rating.isalpha() else rating


def booth_answers(interaction: Interaction) -> tuple[tuple[str, str], ...]:
    """The columns of a booth list that say what the person told us: questions
    ("What is your timeline?") and interests, as (heading, answer)."""
    if interaction.kind != Kind.BOOTH_VISIT:
        return ()
    extra = _latest_scan(interaction).get("extra") or _data(interaction).get("extra")
    if not isinstance(extra, dict):
        return ()
    # By heading: PostgreSQL's jsonb keeps no column order, and "Q1: …", "Q2: …" sort as asked.
    return tuple(
        (QUESTION_NUMBER.sub("", heading).strip(), _text(answer))
        for heading, answer in sorted(extra.items())
        if _text(answer) and _is_answer(heading)
    )


def _latest_scan(interaction: Interaction) -> dict:
    """The last scan of a badge scanned more than once ({} for one scan)."""
    scans = _data(interaction).get("scans")
    last = scans[-1] if isinstance(scans, list) and scans else {}
    return last if isinstance(last, dict) else {}


def event_name(interaction: Interaction) -> str:
    return interaction.campaign.name if interaction.campaign_id else ""


def quoted(text: str) -> str:
    """The text in quotes, on one line (its lines joined by semicolons), cut short."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    text = "; ".join(line for line in lines if line)
    if len(text) > NOTE_CHARS:
        text = text[: NOTE_CHARS - 1].rstrip() + "…"
    return f"“{text}”" if text else ""


def money(value: Decimal | None, currency: str) -> str:
    """€1,249.00; 1,249.00 when the currency is not known; "" without a value."""
    if value is None:
        return ""
    if is_currency(currency):
        formatted = format_currency(value, currency, locale=MONEY_LOCALE)
        symbol = get_currency_symbol(currency, locale=MONEY_LOCALE)
        # "CHF 1,249.00", as people write a code, where "€1,249.00" takes no space.
        spaced = symbol[-1:].isalpha() and formatted.startswith(symbol)
        return formatted.replace(symbol, f"{symbol}\u00a0", 1) if spaced else formatted
    amount = format_decimal(value, format="#,##0.00", locale=MONEY_LOCALE)
    return f"{amount} {currency}" if currency else amount


def lower_first(text: str) -> str:
    """The text with its first letter small (No answer → no answer), unless it
    starts with an acronym (SSO demo)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# One teller a kind: (sentence, whether it says the notes).


CALL_SENTENCES = {
    CallOutcome.INTERESTED: "Called and reached them: interested",
    CallOutcome.NOT_INTERESTED: "Called and reached them: not interested",
    CallOutcome.MEETING: "Called and booked a meeting",
    CallOutcome.VOICEMAIL: "Called and left a voicemail",
    CallOutcome.NO_ANSWER: "Called: no answer",
    CallOutcome.WRONG_NUMBER: "Called: wrong number",
    CallOutcome.DO_NOT_CALL: "Called: they asked not to be called again",
    CallOutcome.CALL_BACK: "Called: they asked to be called back",
}
MEETING_SENTENCES = {
    MeetingOutcome.HELD: "Met them",
    MeetingOutcome.NO_SHOW: "Meeting: they did not show up",
    MeetingOutcome.RESCHEDULED: "Meeting rescheduled",
    MeetingOutcome.CANCELLED: "Meeting cancelled",
}


def _call(interaction, _around):
    return _by_outcome(interaction, CALL_SENTENCES, "Called"), False


def _by_outcome(interaction, sentences: dict, verb: str) -> str:
    outcome, label = interaction.outcome, interaction.outcome_label
    if outcome in sentences:
        return sentences[outcome]
    if not outcome:
        return verb
    # A label reads on from the verb; free text from before codes is kept as it was.
    return f"{verb}: {lower_first(label)}" if label != outcome else f"{verb} — {outcome}"


def _booth_visit(interaction, _around):
    event = event_name(interaction)
    sentence = f"Visited the booth at {event}" if event else "Visited a booth"
    if rating := booth_rating(interaction):
        sentence += f", rated {rating}"
    return sentence, False


def _giveaway(interaction, _around):
    event = event_name(interaction)
    sentence = f"Entered the giveaway {event}" if event else "Entered a giveaway"
    if prize := _text(_data(interaction).get("prize")):
        sentence += f" (prize: {prize})"
    return sentence, False


def _web_visit(interaction, around):
    data, page, host = _data(interaction), page_words(interaction), site_host(interaction, around)
    if not page:
        sentence = f"Visited {host}" if host else "Visited the website"
    else:
        sentence = f"Read {page}" if _text(data.get("title")) else f"Visited {page}"
        sentence += f" on {host}" if host else ""
    if seconds := _seconds(data.get("seconds")):
        sentence += f" for {duration(seconds)}"
    return sentence, False


def _download(interaction, _around):
    name = content_name(interaction)
    return (f"Downloaded “{name}”" if name else "Downloaded content"), False


def _cart_add(interaction, around):
    product = _text(_data(interaction).get("product"))
    sentence = f"Added {product} to a cart" if product else "Added to a cart"
    amount = money(_amount(interaction), _currency(interaction, around))
    return (f"{sentence} — {amount}" if amount else sentence), False


def _checkout(interaction, around):
    cart = cart_words(interaction, around)
    return (f"Started checkout: {cart}" if cart else "Started checkout"), False


def _cart_abandoned(interaction, around):
    cart = cart_words(interaction, around)
    return (f"Left a cart: {cart}" if cart else "Left a cart without buying"), False


def _purchase(interaction, around):
    data = _data(interaction)
    products = data.get("products")
    named = ", ".join(_text(p) for p in products if _text(p)) if isinstance(products, list) else ""
    named = named or _text(data.get("product"))
    if named:
        amount = money(_amount(interaction), _currency(interaction, around))
        what = " — ".join(part for part in (named, amount) if part)
    else:
        what = cart_words(interaction, around)
    return (f"Bought {what}" if what else "Bought from us"), False


def _email(verb: str, fallback: str):
    def teller(interaction, _around):
        subject = email_subject(interaction)
        return (f"{verb} the email {subject}" if subject else fallback), True

    return teller


def _email_sent(interaction, _around):
    subject = email_subject(interaction)
    personal = _data(interaction).get("personal") is True
    what = "a personal email" if personal else "the email"
    if not subject:
        return f"Sent {what.replace('the ', 'an ')}", True
    return f"Sent {what} {subject}", True


def _email_clicked(interaction, _around):
    subject, link = email_subject(interaction), link_words(interaction)
    clicked = f"Clicked {link}" if link else "Clicked a link"
    return (f"{clicked} in the email {subject}" if subject else f"{clicked} in an email"), True


def _email_bounced(interaction, _around):
    reason = interaction.outcome_label or interaction.notes.strip()
    bounced = "An email to them bounced"
    return (f"{bounced} ({lower_first(reason)})" if reason else bounced), True


def _letter(interaction, _around):
    data = _data(interaction)
    template, run = _text(data.get("template_name")), _text(data.get("run_name"))
    if template:
        return f"Mailed the letter “{template}”" + (f" (print run {run})" if run else ""), True
    notes = interaction.notes.strip()
    return (f"Mailed a letter: {notes}" if notes else "Mailed a letter"), True


def _meeting(interaction, _around):
    return _by_outcome(interaction, MEETING_SENTENCES, "Meeting"), False


def _support_call(interaction, _around):
    sentence = _by_outcome(interaction, {}, "Called support")
    if interaction.sentiment == Interaction.Sentiment.NEGATIVE:
        sentence += " and was unhappy"
    return sentence, False


def _referral(interaction, _around):
    notes = interaction.notes.strip()
    return (notes.rstrip(".") if notes else "Referred someone to us"), True


def _app_event(interaction, _around):
    name = _text(_data(interaction).get("name"))
    return (f"In the app: {name}" if name else "Did something in the app"), False


def _plain(interaction, _around):
    return interaction.get_kind_display(), False


_TELLERS = {
    Kind.CALL: _call,
    Kind.BOOTH_VISIT: _booth_visit,
    Kind.GIVEAWAY_ENTRY: _giveaway,
    Kind.WEB_VISIT: _web_visit,
    Kind.CONTENT_DOWNLOAD: _download,
    Kind.CART_ADD: _cart_add,
    Kind.CHECKOUT_STARTED: _checkout,
    Kind.CART_ABANDONED: _cart_abandoned,
    Kind.PURCHASE: _purchase,
    Kind.EMAIL_SENT: _email_sent,
    Kind.EMAIL_OPENED: _email("Opened", "Opened an email"),
    Kind.EMAIL_CLICKED: _email_clicked,
    Kind.EMAIL_REPLIED: lambda i, a: ("Replied to an email", False),
    Kind.EMAIL_BOUNCED: _email_bounced,
    Kind.LETTER_MAILED: _letter,
    Kind.MEETING: _meeting,
    Kind.SUPPORT_CALL: _support_call,
    Kind.REFERRAL: _referral,
    Kind.APP_EVENT: _app_event,
}


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# Lookups and the data's shapes.


def _cart_adds(interactions: list[Interaction]) -> dict[tuple[int, str], list[Interaction]]:
    """The cart_add interactions of the carts the list's cart events name, in one query."""
    wanted = {
        (i.lead_id, _cart_id(i)) for i in interactions if i.kind in CART_KINDS and _cart_id(i)
    }
    if not wanted:
        return {}
    adds = Interaction.objects.filter(
        lead_id__in={lead_id for lead_id, _ in wanted},
        kind=Kind.CART_ADD,
        data__cart_id__in=sorted({cart_id for _, cart_id in wanted}),
    ).order_by("occurred_at", "pk")
    carts: dict[tuple[int, str], list[Interaction]] = defaultdict(list)
    for add in adds.only("lead_id", "data", "occurred_at"):
        carts[(add.lead_id, _cart_id(add))].append(add)
    return dict(carts)


def _visitor_hosts(interactions: list[Interaction]) -> dict[int, str]:
    """The host of each web event's site (its visitor's), in one query."""
    ids = {_visitor_id(i) for i in interactions} - {None}
    if not ids:
        return {}
    visitors = (
        Visitor.objects.filter(pk__in=ids)
        .select_related("site")
        .only("site__origins", "site__name")
    )
    return {visitor.pk: _host(visitor.site) for visitor in visitors}


def _host(site) -> str:
    for origin in site.origin_list:
        if host := urlsplit(origin).hostname:
            return host.removeprefix("www.")
    return site.name


def _visitor_id(interaction: Interaction) -> int | None:
    """web:<visitor id>:<event id> (crm.tracking.events) names the visitor."""
    key = interaction.external_id
    if interaction.source != WEBSITE or not key.startswith(KEY_PREFIX):
        return None
    visitor = key[len(KEY_PREFIX) :].split(":", 1)[0]
    return int(visitor) if visitor.isdigit() else None


def _adds_of(interaction: Interaction, surroundings: Surroundings | None) -> list[Interaction]:
    if surroundings is None or interaction.kind not in CART_KINDS:
        return []
    return surroundings.carts.get((interaction.lead_id, _cart_id(interaction)), [])


def _cart_id(interaction: Interaction) -> str:
    return _text(_data(interaction).get("cart_id"))


def _amount(interaction: Interaction) -> Decimal | None:
    data = _data(interaction)
    value = data.get("value", data.get("amount"))
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _currency(interaction: Interaction, surroundings: Surroundings | None) -> str:
    """The event's own currency, or that of the cart's additions."""
    currency = _text(_data(interaction).get("currency")).upper()
    if currency:
        return currency
    for add in _adds_of(interaction, surroundings):
        if currency := _text(_data(add).get("currency")).upper():
            return currency
    return ""


def _is_answer(heading: str) -> bool:
    words = {word.strip("?:()").lower() for word in heading.split()}
    return heading.strip().endswith("?") or bool(words & ANSWER_WORDS)


def _seconds(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _data(interaction: Interaction) -> dict:
    return interaction.data if isinstance(interaction.data, dict) else {}


def _text(value) -> str:
    """A value from the data as text: strings trimmed, numbers written, the rest ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return ""
