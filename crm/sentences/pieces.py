"""The pieces of sentences (a page read, a site, a cart, an email's subject, a
booth visitor's answers, money, a duration), for the sentences here and for
followups' talking points to build theirs from."""

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from babel.numbers import format_currency, format_decimal, get_currency_symbol, is_currency

from crm.models import Interaction
from crm.sentences import facts
from crm.sentences.facts import Kind, Surroundings, data_of, text_of

MONEY_LOCALE = "en_US"
# "Q1: Interested in": the question's number is the form's, not the person's words.
QUESTION_NUMBER = re.compile(r"\A\s*Q\d+\s*[:.)-]\s*", re.IGNORECASE)
TIMES = "\u00d7"  # the multiplication sign: "2 x Widget Pro" as it is printed
NOTE_CHARS = 300  # of a reason or a rep's notes, quoted in a sentence


@dataclass(frozen=True)
class CartLine:
    product: str
    count: int


def page_words(interaction: Interaction) -> str:
    """“Pricing” (/pricing); “Pricing”; /pricing; "" when nothing is known."""
    data = data_of(interaction)
    title, path = (
        text_of(data.get("title")),
        interaction.path or text_of(data.get("url")),
    )
    if title and path:
        return f"“{title}” ({path})"
    return f"“{title}”" if title else path


def site_host(interaction: Interaction, surroundings: Surroundings | None) -> str:
    visitor_id = facts.visitor_id(interaction)
    if surroundings is None or visitor_id is None:
        return ""
    return surroundings.hosts.get(visitor_id, "")


def content_name(interaction: Interaction) -> str:
    """The title of what was downloaded, or its slug made readable."""
    data = data_of(interaction)
    name = text_of(data.get("title")) or text_of(data.get("asset")) or text_of(data.get("name"))
    if name:
        return name
    slug = text_of(data.get("content"))
    if slug and " " not in slug and slug == slug.lower():
        return slug.replace("-", " ").replace("_", " ").capitalize()
    return slug


def cart_lines(interaction: Interaction, surroundings: Surroundings | None) -> list[CartLine]:
    """What was in the interaction's cart, by product, in the order first added."""
    adds = facts.adds_of(interaction, surroundings)
    counts = Counter(text_of(data_of(add).get("product")) for add in adds)
    counts.pop("", None)
    return [CartLine(product, count) for product, count in counts.items()]


def cart_words(interaction: Interaction, surroundings: Surroundings | None = None) -> str:
    """2 x Widget Pro, 1 x Cable — €1,249.00; either part alone; "" for neither."""
    items = ", ".join(
        f"{line.count} {TIMES} {line.product}" for line in cart_lines(interaction, surroundings)
    )
    amount = money(facts.amount(interaction), facts.currency(interaction, surroundings))
    return " — ".join(part for part in (items, amount) if part)


def email_subject(interaction: Interaction) -> str:
    """The subject of the email (mailings keeps it in the notes), quoted."""
    subject = text_of(data_of(interaction).get("subject")) or interaction.notes.strip()
    return f"“{subject}”" if subject else ""


def link_words(interaction: Interaction) -> str:
    """The clicked link as people read it: acme.com/pricing."""
    url = text_of(data_of(interaction).get("url"))
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return (host + parts.path.rstrip("/")) or url


def booth_rating(interaction: Interaction) -> str:
    """The rating as the list had it (hot, 5/5, 4): the latest scan's, for a badge
    scanned more than once (crm.imports.visits)."""
    rating = text_of(_latest_scan(interaction).get("rating")) or text_of(
        data_of(interaction).get("rating")
    )
    return rating.lower() if rating.isalpha() else rating


def booth_answers(interaction: Interaction) -> tuple[tuple[str, str], ...]:
    """The columns of a booth list that say what the person told us: questions
    ("What is your timeline?") and interests, as (heading, answer)."""
    if interaction.kind != Kind.BOOTH_VISIT:
        return ()
    extra = _latest_scan(interaction).get("extra") or data_of(interaction).get("extra")
    if not isinstance(extra, dict):
        return ()
    # By heading: PostgreSQL's jsonb keeps no column order, and "Q1: …", "Q2: …" sort as asked.
    return tuple(
        (QUESTION_NUMBER.sub("", heading).strip(), text_of(answer))
        for heading, answer in sorted(extra.items())
        if text_of(answer) and facts.is_answer(heading)
    )


def _latest_scan(interaction: Interaction) -> dict:
    """The last scan of a badge scanned more than once ({} for one scan)."""
    scans = data_of(interaction).get("scans")
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


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
