"""A checked definition compiled into one queryset of Lead: rules combined with AND
or OR, each rule's Q from the catalogue (rules.compilers), negated where it says
"negate". Also the definition as a key for SQL prepared once (crm.prepared)."""

import datetime as dt
import json
from dataclasses import dataclass, replace
from functools import reduce
from operator import and_, or_
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from crm.audiences.rules.base import Context
from crm.audiences.rules.catalogue import RULE_TYPES, type_of
from crm.audiences.rules.checking import Checker, rules_in
from crm.models import Lead


def definition_q(definition: Any, *, now: dt.datetime) -> Q:
    """One Q on Lead for the definition, checked first (DefinitionError)."""
    return membership_qs(definition, now=now).matching


@dataclass(frozen=True)
class MembershipQs:
    matching: Q  # for a set of leads at once: counts, lists, INSERT … SELECT
    per_lead: Q  # for one lead at a time, correlated: "does this member still match?"


def membership_qs(
    definition: Any, *, now: dt.datetime, lead_ids: list[int] | None = None
) -> MembershipQs:
    """The definition (checked once, DefinitionError) compiled both ways. With
    lead_ids, `matching` is only right for those leads (see Context)."""
    checker = Checker(definition)
    cleaned = checker.clean()
    ctx = Context(now=now, campaigns=checker.campaigns, users=checker.users, lead_ids=lead_ids)
    return MembershipQs(
        matching=_node_q(cleaned, ctx),
        per_lead=_node_q(cleaned, replace(ctx, lead_ids=None, per_lead=True)),
    )


def _node_q(node: dict, ctx: Context) -> Q:
    if "type" in node:
        q = RULE_TYPES[node["type"]].compile(node, ctx)
        return ~q if node.get("negate") else q
    combine = and_ if node["match"] == "all" else or_
    return reduce(combine, (_node_q(child, ctx) for child in node["rules"]))


def audience_leads(definition: Any, *, now: dt.datetime) -> QuerySet[Lead]:
    """The leads the definition picks (unordered), or DefinitionError."""
    return Lead.objects.filter(definition_q(definition, now=now))


def audience_count(definition: Any, *, now: dt.datetime) -> int:
    return audience_leads(definition, now=now).count()


def definition_key(definition: Any) -> str:
    """The definition checked (DefinitionError), as a key for SQL compiled from it
    once (crm.prepared), with everything else that SQL holds: the first day of
    each campaign it names ("before the event") and the consent setting."""
    checker = Checker(definition)
    cleaned = checker.clean()
    starts = sorted((pk, c.starts_on.isoformat()) for pk, c in checker.campaigns.items())
    return json.dumps([cleaned, starts, settings.MAIL_SOFT_OPT_IN], sort_keys=True)


def definition_of(key: str) -> dict:
    return json.loads(key)[0]


def has_time_window(definition: dict) -> bool:
    """Whether members come and go as time passes ("in the last 7 days", a
    decaying score), so a periodic refresh must re-evaluate it."""
    return any(
        rule.get("days") or getattr(type_of(rule), "drifts", False) for rule in rules_in(definition)
    )
