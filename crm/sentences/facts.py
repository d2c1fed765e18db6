"""What the sentences read from an interaction and the rows around it: its data is
JSON that many sources write (a booth list, the website snippet, the API), so
any value may be missing or of another type, and each reader here says what it
makes of it. Also what describing a whole list looks up at once (Surroundings)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from crm.models import Interaction
from crm.tracking.events import KEY_PREFIX
from crm.tracking.events import SOURCE as WEBSITE
from crm.tracking.models import Visitor

Kind = Interaction.Kind
CART_KINDS = (Kind.CART_ABANDONED, Kind.CHECKOUT_STARTED, Kind.PURCHASE)

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


@dataclass
class Surroundings:
    """What describing a list of interactions needs from other rows."""

    carts: dict[tuple[int, str], list[Interaction]] = field(default_factory=dict)
    hosts: dict[int, str] = field(default_factory=dict)  # visitor id -> "acme.com"


def surroundings_for(interactions: list[Interaction]) -> Surroundings:
    return Surroundings(carts=cart_adds(interactions), hosts=visitor_hosts(interactions))


def cart_adds(interactions: list[Interaction]) -> dict[tuple[int, str], list[Interaction]]:
    """The cart_add interactions of the carts the list's cart events name, in one query."""
    wanted = {(i.lead_id, cart_id(i)) for i in interactions if i.kind in CART_KINDS and cart_id(i)}
    if not wanted:
        return {}
    adds = Interaction.objects.filter(
        lead_id__in={lead_id for lead_id, _ in wanted},
        kind=Kind.CART_ADD,
        data__cart_id__in=sorted({cart_id for _, cart_id in wanted}),
    ).order_by("occurred_at", "pk")
    carts: dict[tuple[int, str], list[Interaction]] = defaultdict(list)
    for add in adds.only("lead_id", "data", "occurred_at"):
        carts[(add.lead_id, cart_id(add))].append(add)
    return dict(carts)


def visitor_hosts(interactions: list[Interaction]) -> dict[int, str]:
    """The host of each web event's site (its visitor's), in one query."""
    ids = {visitor_id(i) for i in interactions} - {None}
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


def visitor_id(interaction: Interaction) -> int | None:
    """web:<visitor id>:<event id> (crm.tracking.events) names the visitor."""
    key = interaction.external_id
    if interaction.source != WEBSITE or not key.startswith(KEY_PREFIX):
        return None
    visitor = key[len(KEY_PREFIX) :].split(":", 1)[0]
    return int(visitor) if visitor.isdigit() else None


def adds_of(interaction: Interaction, surroundings: Surroundings | None) -> list[Interaction]:
    if surroundings is None or interaction.kind not in CART_KINDS:
        return []
    return surroundings.carts.get((interaction.lead_id, cart_id(interaction)), [])


def cart_id(interaction: Interaction) -> str:
    return text_of(data_of(interaction).get("cart_id"))


def amount(interaction: Interaction) -> Decimal | None:
    data = data_of(interaction)
    value = data.get("value", data.get("amount"))
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def currency(interaction: Interaction, surroundings: Surroundings | None) -> str:
    """The event's own currency, or that of the cart's additions."""
    currency = text_of(data_of(interaction).get("currency")).upper()
    if currency:
        return currency
    for add in adds_of(interaction, surroundings):
        if currency := text_of(data_of(add).get("currency")).upper():
            return currency
    return ""


def is_answer(heading: str) -> bool:
    words = {word.strip("?:()").lower() for word in heading.split()}
    return heading.strip().endswith("?") or bool(words & ANSWER_WORDS)


def seconds(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def data_of(interaction: Interaction) -> dict:
    return interaction.data if isinstance(interaction.data, dict) else {}


def text_of(value) -> str:
    """A value from the data as text: strings trimmed, numbers written, the rest ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return ""
