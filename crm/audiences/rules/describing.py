"""A definition in words, for the audience's pages: "All of" and its rules' words
(rules.wording), groups nested."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from crm.audiences.rules.base import MATCHES, Context
from crm.audiences.rules.catalogue import type_of
from crm.audiences.rules.checking import referenced_ids
from crm.models import Campaign, User


@dataclass(frozen=True)
class Described:
    """A definition in words, for pages: "All of" and its items (text or groups)."""

    heading: str
    items: list["str | Described"]


def definition_describe(definition: dict) -> Described:
    """In words. A stored definition that has become invalid (a campaign was
    deleted) is still described, from what it says."""
    ctx = _context(definition, timezone.now())
    return _describe(definition, ctx)


def _describe(node: dict, ctx: Context) -> Described:
    items: list[str | Described] = []
    for child in node.get("rules", []):
        if "type" not in child:
            items.append(_describe(child, ctx))
            continue
        rule_type = type_of(child)
        text = rule_type.describe(child, ctx) if rule_type else f"(unknown rule “{child['type']}”)"
        items.append(f"NOT {text}" if child.get("negate") else text)
    return Described(MATCHES.get(node.get("match"), "All of"), items)


def _context(cleaned: dict, now: dt.datetime) -> Context:
    ids = referenced_ids(cleaned)
    campaigns = Campaign.objects.in_bulk(ids["campaign"]) if ids["campaign"] else {}
    users = User.objects.in_bulk(ids["owners"]) if ids["owners"] else {}
    return Context(now=now, campaigns=campaigns, users=users)
