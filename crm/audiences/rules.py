"""Which leads are in an audience: the definition, its checks, and its SQL.

A definition is a tree of rules combined with AND ("all") or OR ("any"):

    {"match": "all" | "any", "rules": [rule or group, ...]}

A group has the same shape and nests inside another; with the top one, groups
are at most three levels deep. A rule is {"type": ..., <its parameters>} and
may say "negate": true to keep the leads it does *not* match. RULE_TYPES lists
the types and their parameters.

definition_clean() checks a definition and raises DefinitionError with the
messages keyed by the path of the field ("rules.1.days", "rules.2.rules.0.campaign").
audience_leads() compiles a clean definition into one queryset of Lead: each
behaviour rule is EXISTS (SELECT 1 FROM interaction WHERE lead_id = lead.id AND
kind = ... [AND occurred_at >= now - N days]), NOT EXISTS when negated, which
PostgreSQL plans as semi- and anti-joins over the (kind, occurred_at) index or,
for one campaign, (campaign, kind). Counting rules (pages, time on site) group
the window's interactions once: lead.id IN (SELECT lead_id ... GROUP BY lead_id
HAVING ...). Nothing is decided per lead in Python.

What the rules read from interactions:
- web_visit: `path` (the page) and data["seconds"] (time on the page, a number);
- content_download: data["content"] (the title of what was downloaded);
- purchase: data["products"] (a list of product codes; data["product"], one code,
  also counts) and data["value"] (not read here);
- booth_visit / giveaway_entry: `campaign` (the event or giveaway);
- app_event: data["name"] (what the lead did in our product, e.g. "project_created",
  matched exactly).
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import reduce
from operator import and_, or_
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format

from crm.audiences.sql import GlobMatch, HasProduct, JsonNumber, json_text
from crm.contact import country_code
from crm.models import Campaign, Interaction, Lead, User
from crm.selectors import marketing_consent, reps

MATCHES = {"all": "All of", "any": "Any of"}
MAX_DEPTH = 3
MAX_RULES = 50
MAX_DAYS = 3650
MAX_TEXT = 200
Kind = Interaction.Kind


class DefinitionError(Exception):
    """The definition is not valid; `errors` maps a field's path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str  # int, text, event_name, campaign, stages, owners, countries, words, choice
    required: bool = True
    missing: str = "Required."  # the message when a required value is not given
    minimum: int = 1
    maximum: int = MAX_DAYS
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Context:
    """What compiling and describing need besides the definition. The counting
    rules (pages, time on site) aggregate the whole window's visits unless only
    some leads matter: lead_ids (a re-evaluation for a few leads), or per_lead
    (the Q is checked for one outer lead at a time, correlated)."""

    now: dt.datetime
    campaigns: dict[int, Campaign]
    users: dict[int, User]
    lead_ids: list[int] | None = None
    per_lead: bool = False


Compiler = Callable[[dict, Context], Q]


@dataclass(frozen=True)
class RuleType:
    name: str
    label: str
    section: str
    params: tuple[Param, ...]
    compile: Compiler
    describe: Callable[[dict, Context], str]
    drifts: bool = False  # its members change as time passes, even with "days" unset


DAYS = Param("days", "In the last … days", "int", required=False, placeholder="any time")


# Behaviour -----------------------------------------------------------------


def _since(params: dict, ctx: Context) -> Q:
    days = params.get("days")
    return Q(occurred_at__gte=ctx.now - dt.timedelta(days=days)) if days else Q()


def _did(kind: str, params: dict, ctx: Context, *conditions: Any, **filters: Any) -> Q:
    """The lead has an interaction of this kind (in the window) meeting the conditions."""
    done = Interaction.objects.filter(
        _since(params, ctx), *conditions, lead=OuterRef("pk"), kind=kind, **filters
    )
    return Q(Exists(done))


def _visited(params: dict, ctx: Context) -> Q:
    return _did(Kind.WEB_VISIT, params, ctx, GlobMatch(F("path"), params["path"]))


def _page_views(params: dict, ctx: Context) -> Q:
    return _visits_total(params, ctx, Count("id"), params["pages"])


def _time_on_site(params: dict, ctx: Context) -> Q:
    return _visits_total(params, ctx, Sum(JsonNumber("seconds")), params["minutes"] * 60)


def _visits_total(params: dict, ctx: Context, total: Aggregate, minimum: int) -> Q:
    """Leads whose web visits in the window add up to at least `minimum`: the
    window grouped by lead once, or (per_lead) one lead's visits at a time."""
    visits = Interaction.objects.filter(_since(params, ctx), kind=Kind.WEB_VISIT)
    if ctx.per_lead:
        visits = visits.filter(lead=OuterRef("pk"))
    elif ctx.lead_ids is not None:
        visits = visits.filter(lead_id__any=ctx.lead_ids)
    totals = visits.order_by().values("lead_id").annotate(total=total).filter(total__gte=minimum)
    return Q(Exists(totals)) if ctx.per_lead else Q(pk__in=totals.values("lead_id"))


def _cart_abandoned(params: dict, ctx: Context) -> Q:
    bought_since = Interaction.objects.filter(
        lead=OuterRef("lead"), kind=Kind.PURCHASE, occurred_at__gte=OuterRef("occurred_at")
    )
    return _did(Kind.CART_ABANDONED, params, ctx, ~Exists(bought_since))


def _campaign_kind(kind: str) -> Compiler:
    return lambda params, ctx: _did(kind, params, ctx, campaign_id=params["campaign"])


def _downloaded(params: dict, ctx: Context) -> Q:
    conditions = []
    if params.get("content"):
        conditions.append(GlobMatch(json_text("content"), params["content"]))
    if params.get("before_campaign"):
        conditions.append(Q(occurred_at__lt=_start(ctx.campaigns[params["before_campaign"]])))
    return _did(Kind.CONTENT_DOWNLOAD, params, ctx, *conditions)


def _start(campaign: Campaign) -> dt.datetime:
    """The first moment of the campaign's first day, in the site's time zone."""
    return dt.datetime.combine(
        campaign.starts_on, dt.time.min, tzinfo=timezone.get_default_timezone()
    )


def _app_event(params: dict, ctx: Context) -> Q:
    return _did(Kind.APP_EVENT, params, ctx, data__name=params["name"])


def _kind(kind: str) -> Compiler:
    return lambda params, ctx: _did(kind, params, ctx)


# Profile, customer data, consent ------------------------------------------------


def _any_of(lookup: str, values: list) -> Q:
    return reduce(or_, (Q(**{lookup: value}) for value in values))


def _score(params: dict, ctx: Context) -> Q:
    bounds = Q()
    if params.get("min") is not None:
        bounds &= Q(score__gte=params["min"])
    if params.get("max") is not None:
        bounds &= Q(score__lte=params["max"])
    return bounds


def _last_purchase_before(params: dict, ctx: Context) -> Q:
    recent = _did(Kind.PURCHASE, params, ctx)
    return _did(Kind.PURCHASE, {}, ctx) & ~recent


def _bought(params: dict, ctx: Context) -> Q:
    bought = _did(Kind.PURCHASE, {}, ctx, HasProduct(params["product"]))
    if params.get("without"):
        bought &= ~_did(Kind.PURCHASE, {}, ctx, HasProduct(params["without"]))
    return bought


def _consent(params: dict, ctx: Context) -> Q:
    has_email, confirmed = ~Q(email=""), Q(email_consent=Lead.EmailConsent.CONFIRMED)
    if params["consent"] == "email_confirmed":
        return has_email & confirmed
    if params["consent"] == "may_email":
        return has_email & marketing_consent()
    if params["consent"] == "not_do_not_mail":
        return Q(do_not_mail=False)
    return Q(do_not_call=False)


CONSENT_CHOICES = (
    ("may_email", "may get marketing email"),
    ("email_confirmed", "confirmed email consent (double opt-in)"),
    ("not_do_not_mail", "not on do-not-mail"),
    ("not_do_not_call", "not on do-not-call"),
)


# Descriptions ---------------------------------------------------------------------


def _within(params: dict) -> str:
    days = params.get("days")
    return f" in the last {days} day{'s' if days != 1 else ''}" if days else ""


def _campaign_name(ctx: Context, pk: int) -> str:
    campaign = ctx.campaigns.get(pk)
    return str(campaign) if campaign else f"campaign #{pk}"


def _describe_download(params: dict, ctx: Context) -> str:
    what = f"“{params['content']}”" if params.get("content") else "any content"
    text = f"downloaded {what}{_within(params)}"
    if params.get("before_campaign"):
        campaign = ctx.campaigns.get(params["before_campaign"])
        when = f" ({date_format(campaign.starts_on)})" if campaign and campaign.starts_on else ""
        text += f" before {_campaign_name(ctx, params['before_campaign'])}{when}"
    return text


def _describe_score(params: dict, ctx: Context) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"score from {low} to {high}"
    return f"score at least {low}" if low is not None else f"score at most {high}"


def _describe_owner(params: dict, ctx: Context) -> str:
    names = [ctx.users[pk].display_name if pk in ctx.users else f"#{pk}" for pk in params["owners"]]
    return "owned by " + ", ".join(names)


def _describe_bought(params: dict, ctx: Context) -> str:
    text = f"bought “{params['product']}”"
    return text + (f" but not “{params['without']}”" if params.get("without") else "")


STAGES = tuple(Lead.Stage.choices)
PAGE = Param("path", "Page", "text", placeholder="/pricing*")
EVENT_NAME = Param(
    "name",
    "App event",
    "event_name",
    placeholder="project_created",
    missing="Give the app event's name, e.g. “project_created”.",
)


RULE_TYPES: dict[str, RuleType] = {
    rule.name: rule
    for rule in (
        RuleType(
            "visited_page",
            "Visited a page",
            "Behaviour",
            (PAGE, DAYS),
            _visited,
            lambda p, c: f"visited “{p['path']}”{_within(p)}",
        ),
        RuleType(
            "not_visited_page",
            "Did not visit a page",
            "Behaviour",
            (PAGE, DAYS),
            lambda p, c: ~_visited(p, c),
            lambda p, c: f"did not visit “{p['path']}”{_within(p)}",
        ),
        RuleType(
            "page_views",
            "Viewed at least … pages",
            "Behaviour",
            (Param("pages", "Pages", "int", maximum=100_000), DAYS),
            _page_views,
            lambda p, c: f"viewed at least {p['pages']} pages{_within(p)}",
        ),
        RuleType(
            "time_on_site",
            "Spent at least … minutes on the site",
            "Behaviour",
            (Param("minutes", "Minutes", "int", maximum=100_000), DAYS),
            _time_on_site,
            lambda p, c: f"spent at least {p['minutes']} minutes on the site{_within(p)}",
        ),
        RuleType(
            "cart_abandoned",
            "Abandoned a cart (no purchase since)",
            "Behaviour",
            (DAYS,),
            _cart_abandoned,
            lambda p, c: f"abandoned a cart{_within(p)} and bought nothing since",
        ),
        RuleType(
            "attended_event",
            "Visited the booth at an event",
            "Behaviour",
            (Param("campaign", "Event", "campaign"), DAYS),
            _campaign_kind(Kind.BOOTH_VISIT),
            lambda p, c: f"visited the booth at {_campaign_name(c, p['campaign'])}{_within(p)}",
        ),
        RuleType(
            "entered_giveaway",
            "Entered a giveaway",
            "Behaviour",
            (Param("campaign", "Giveaway", "campaign"), DAYS),
            _campaign_kind(Kind.GIVEAWAY_ENTRY),
            lambda p, c: f"entered {_campaign_name(c, p['campaign'])}{_within(p)}",
        ),
        RuleType(
            "downloaded_content",
            "Downloaded content",
            "Behaviour",
            (
                Param("content", "Content", "text", required=False, placeholder="*white paper*"),
                DAYS,
                Param("before_campaign", "Before the event", "campaign", required=False),
            ),
            _downloaded,
            _describe_download,
        ),
        RuleType(
            "opened_email",
            "Opened an email",
            "Behaviour",
            (DAYS,),
            _kind(Kind.EMAIL_OPENED),
            lambda p, c: f"opened an email{_within(p)}",
        ),
        RuleType(
            "clicked_email",
            "Clicked a link in an email",
            "Behaviour",
            (DAYS,),
            _kind(Kind.EMAIL_CLICKED),
            lambda p, c: f"clicked a link in an email{_within(p)}",
        ),
        RuleType(
            "app_event",
            "Did an app event",
            "Behaviour",
            (EVENT_NAME, DAYS),
            _app_event,
            lambda p, c: f"did app event “{p['name']}”{_within(p)}",
        ),
        RuleType(
            "not_app_event",
            "Did not do an app event",
            "Behaviour",
            (EVENT_NAME, DAYS),
            lambda p, c: ~_app_event(p, c),
            lambda p, c: f"did not do app event “{p['name']}”{_within(p)}",
        ),
        RuleType(
            "country",
            "Country is one of",
            "Profile",
            (Param("countries", "Countries", "countries", placeholder="US, DE, United Kingdom"),),
            lambda p, c: Q(country__in=p["countries"]),
            lambda p, c: "in " + ", ".join(p["countries"]),
        ),
        RuleType(
            "region",
            "Region is one of",
            "Profile",
            (Param("regions", "Regions", "words", placeholder="CA, NY, Bavaria"),),
            lambda p, c: _any_of("region__iexact", p["regions"]),
            lambda p, c: "in the region " + ", ".join(p["regions"]),
        ),
        RuleType(
            "title_contains",
            "Job title contains",
            "Profile",
            (Param("text", "Text", "text", placeholder="director"),),
            lambda p, c: Q(title__icontains=p["text"]),
            lambda p, c: f"title contains “{p['text']}”",
        ),
        RuleType(
            "stage",
            "Stage is one of",
            "Profile",
            (Param("stages", "Stages", "stages", choices=STAGES),),
            lambda p, c: Q(stage__in=p["stages"]),
            lambda p, c: "stage " + ", ".join(dict(STAGES)[s] for s in p["stages"]),
        ),
        RuleType(
            "owner",
            "Owner is one of",
            "Profile",
            (Param("owners", "Owners", "owners"),),
            lambda p, c: Q(owner_id__in=p["owners"]),
            _describe_owner,
        ),
        RuleType(
            "score",
            "Score between",
            "Profile",
            (
                Param("min", "From", "int", required=False, minimum=-1_000_000, maximum=10**6),
                Param("max", "To", "int", required=False, minimum=-1_000_000, maximum=10**6),
            ),
            _score,
            _describe_score,
            drifts=True,  # scores decay with time
        ),
        RuleType(
            "last_purchase_before",
            "Last purchase more than … days ago",
            "Customer data",
            (Param("days", "Days", "int"),),
            _last_purchase_before,
            lambda p, c: f"last bought more than {p['days']} days ago",
        ),
        RuleType(
            "bought_product",
            "Bought a product (but not an add-on)",
            "Customer data",
            (
                Param("product", "Product code", "text", placeholder="crm-pro"),
                Param("without", "But not", "text", required=False, placeholder="support-addon"),
            ),
            _bought,
            _describe_bought,
        ),
        RuleType(
            "consent",
            "Consent",
            "Consent",
            (Param("consent", "Allows", "choice", choices=CONSENT_CHOICES),),
            _consent,
            lambda p, c: dict(CONSENT_CHOICES)[p["consent"]],
        ),
    )
}


# Checking a definition ---------------------------------------------------------------


def definition_clean(definition: Any) -> dict:
    """The definition with its values normalised (whole numbers, ISO country
    codes, known ids), or DefinitionError with every problem found."""
    return _Checker(definition).clean()


class _Checker:
    def __init__(self, definition: Any):
        self.definition = definition
        self.errors: dict[str, list[str]] = {}
        self.rule_count = 0
        ids = _referenced_ids(definition)
        self.campaigns = Campaign.objects.in_bulk(ids["campaign"]) if ids["campaign"] else {}
        self.users = User.objects.in_bulk(ids["owners"]) if ids["owners"] else {}

    def clean(self) -> dict:
        if not isinstance(self.definition, dict):
            raise DefinitionError({"definition": ["The rules are not in the expected form."]})
        cleaned = self._group(self.definition, "", depth=1)
        if self.rule_count > MAX_RULES:
            self._error("rules", f"Use at most {MAX_RULES} rules.")
        if self.errors:
            raise DefinitionError(self.errors)
        return cleaned

    def _error(self, path: str, message: str) -> None:
        self.errors.setdefault(path or "definition", []).append(message)

    def _group(self, group: dict, prefix: str, depth: int) -> dict:
        match = group.get("match")
        if not isinstance(match, str) or match not in MATCHES:
            self._error(prefix + "match", "Choose “all” or “any”.")
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            self._error(prefix + "rules", "Add at least one rule.")
            rules = []
        cleaned = []
        for index, node in enumerate(rules):
            path = f"{prefix}rules.{index}"
            if isinstance(node, dict) and "rules" in node and "type" not in node:
                if depth >= MAX_DEPTH:
                    self._error(path, f"Groups nest at most {MAX_DEPTH} levels deep.")
                    continue
                cleaned.append(self._group(node, path + ".", depth + 1))
            else:
                cleaned.append(self._rule(node, path))
        return {"match": match, "rules": cleaned}

    def _rule(self, rule: Any, path: str) -> dict:
        self.rule_count += 1
        if not isinstance(rule, dict):
            self._error(path, "This rule is not in the expected form.")
            return {}
        rule_type = _type_of(rule)
        if rule_type is None:
            given = rule.get("type")
            message = f"Unknown rule type “{given}”." if given else "Choose what the rule checks."
            self._error(f"{path}.type", message)
            return {}
        cleaned: dict[str, Any] = {"type": rule_type.name}
        for param in rule_type.params:
            value = self._param(param, rule.get(param.name), f"{path}.{param.name}")
            if value is not None:
                cleaned[param.name] = value
        self._cross_checks(cleaned, path)
        if rule.get("negate") is True:
            cleaned["negate"] = True
        return cleaned

    def _param(self, param: Param, value: Any, path: str) -> Any:
        if value in (None, "", []):
            if param.required:
                self._error(path, param.missing)
            return None
        try:
            return CLEANERS[param.kind](self, param, value)
        except ValueError as error:
            self._error(path, str(error))
            return None

    def _cross_checks(self, rule: dict, path: str) -> None:
        if rule["type"] == "score":
            low, high = rule.get("min"), rule.get("max")
            if low is None and high is None:
                self._error(f"{path}.min", "Give a lowest score, a highest or both.")
            elif low is not None and high is not None and low > high:
                self._error(f"{path}.max", "The highest score is below the lowest.")
        before = rule.get("before_campaign")
        if before and self.campaigns[before].starts_on is None:
            name = self.campaigns[before]
            self._error(f"{path}.before_campaign", f"{name} has no start date: give it one.")

    def _int(self, param: Param, value: Any) -> int:
        message = f"Give a whole number from {param.minimum:,} to {param.maximum:,}."
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        number = None if isinstance(value, bool | float) else _as_id(value)
        if number is None or not param.minimum <= number <= param.maximum:
            raise ValueError(message)
        return number

    def _text(self, param: Param, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("Give text.")
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"Use at most {MAX_TEXT} characters.")
        if not text:
            raise ValueError("Required.")
        return text

    def _event_name(self, param: Param, value: Any) -> str:
        """As crm.services.interaction_data_clean keeps an app event's name."""
        if not isinstance(value, str):
            raise ValueError("Give the app event's name as text.")
        name, limit = value.strip(), Interaction.APP_EVENT_NAME_MAX_LENGTH
        if not name:
            raise ValueError(param.missing)
        if len(name) > limit:
            raise ValueError(f"An app event's name has at most {limit} characters.")
        return name

    def _campaign(self, param: Param, value: Any) -> int:
        pk = _as_id(value)
        if pk is None or pk not in self.campaigns:
            raise ValueError(f"No such campaign (#{value}).")
        return pk

    def _owners(self, param: Param, value: Any) -> list[int]:
        ids = [_as_id(item) for item in _as_list(value)]
        unknown = [str(item) for item, pk in zip(_as_list(value), ids, strict=True) if pk is None]
        unknown += [str(pk) for pk in ids if pk is not None and pk not in self.users]
        if unknown:
            raise ValueError(f"No such user: #{', #'.join(unknown)}.")
        return sorted(set(ids))

    def _countries(self, param: Param, value: Any) -> list[str]:
        names = _words(value)
        codes = [country_code(name) for name in names]
        unknown = [name for name, code in zip(names, codes, strict=True) if not code]
        if unknown:
            raise ValueError(f"Not a country: {', '.join(unknown)}.")
        return sorted(set(codes))

    def _words(self, param: Param, value: Any) -> list[str]:
        words = _words(value)
        if not words:
            raise ValueError("Required.")
        return words

    def _choices(self, param: Param, value: Any) -> list[str]:
        allowed = dict(param.choices)
        chosen = [str(item) for item in _as_list(value)]
        wrong = [item for item in chosen if item not in allowed]
        if wrong or not chosen:
            raise ValueError(f"Choose from {', '.join(allowed.values())}.")
        return [key for key in allowed if key in chosen]

    def _choice(self, param: Param, value: Any) -> str:
        if not isinstance(value, str) or value not in dict(param.choices):
            raise ValueError(f"Choose one of: {', '.join(dict(param.choices).values())}.")
        return value


CLEANERS: dict[str, Callable[[_Checker, Param, Any], Any]] = {
    "int": _Checker._int,
    "text": _Checker._text,
    "event_name": _Checker._event_name,
    "campaign": _Checker._campaign,
    "owners": _Checker._owners,
    "countries": _Checker._countries,
    "words": _Checker._words,
    "stages": _Checker._choices,
    "choice": _Checker._choice,
}


def _as_id(value: Any) -> int | None:
    """A whole number within a database's bigint, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if abs(number) < 2**63 else None


def _type_of(rule: dict) -> RuleType | None:
    name = rule.get("type")
    return RULE_TYPES.get(name) if isinstance(name, str) else None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _words(value: Any) -> list[str]:
    """A list, or text separated by commas, as a list of its non-empty words."""
    items = value.split(",") if isinstance(value, str) else _as_list(value)
    words = [str(item).strip() for item in items if str(item).strip()]
    if any(len(word) > MAX_TEXT for word in words):
        raise ValueError(f"Use at most {MAX_TEXT} characters each.")
    return words


def _referenced_ids(definition: Any) -> dict[str, set[int]]:
    """Ids of campaigns and users the definition names, to load them in one query each."""
    found: dict[str, set[int]] = {"campaign": set(), "owners": set()}
    for rule in _rules(definition):
        rule_type = _type_of(rule)
        for param in rule_type.params if rule_type else ():
            if param.kind in found:
                ids = (_as_id(item) for item in _as_list(rule.get(param.name)))
                found[param.kind].update(pk for pk in ids if pk is not None)
    return found


def _rules(node: Any, depth: int = 1):
    """Every rule in a (possibly invalid) definition."""
    children = node.get("rules") if isinstance(node, dict) else None
    if not isinstance(children, list) or depth > MAX_DEPTH + 1:
        return
    for child in children:
        if isinstance(child, dict) and "rules" in child and "type" not in child:
            yield from _rules(child, depth + 1)
        elif isinstance(child, dict):
            yield child


# Compiling ------------------------------------------------------------------------


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
    checker = _Checker(definition)
    cleaned = checker.clean()
    ctx = Context(now=now, campaigns=checker.campaigns, users=checker.users, lead_ids=lead_ids)
    return MembershipQs(
        matching=_node_q(cleaned, ctx),
        per_lead=_node_q(cleaned, replace(ctx, lead_ids=None, per_lead=True)),
    )


def _context(cleaned: dict, now: dt.datetime) -> Context:
    ids = _referenced_ids(cleaned)
    campaigns = Campaign.objects.in_bulk(ids["campaign"]) if ids["campaign"] else {}
    users = User.objects.in_bulk(ids["owners"]) if ids["owners"] else {}
    return Context(now=now, campaigns=campaigns, users=users)


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
    checker = _Checker(definition)
    cleaned = checker.clean()
    starts = sorted((pk, c.starts_on.isoformat()) for pk, c in checker.campaigns.items())
    return json.dumps([cleaned, starts, settings.MAIL_SOFT_OPT_IN], sort_keys=True)


def definition_of(key: str) -> dict:
    return json.loads(key)[0]


def has_time_window(definition: dict) -> bool:
    """Whether members come and go as time passes ("in the last 7 days", a
    decaying score), so a periodic refresh must re-evaluate it."""
    return any(
        rule.get("days") or getattr(_type_of(rule), "drifts", False) for rule in _rules(definition)
    )


# Describing -------------------------------------------------------------------------


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
        rule_type = _type_of(child)
        text = rule_type.describe(child, ctx) if rule_type else f"(unknown rule “{child['type']}”)"
        items.append(f"NOT {text}" if child.get("negate") else text)
    return Described(MATCHES.get(node.get("match"), "All of"), items)


def rule_schema() -> dict:
    """The rule types and their choices, for the builder's script."""
    return {
        "matches": MATCHES,
        "types": [
            {
                "type": rule.name,
                "label": rule.label,
                "section": rule.section,
                "params": [
                    {
                        "name": param.name,
                        "label": param.label,
                        "kind": param.kind,
                        "required": param.required,
                        "placeholder": param.placeholder,
                        "choices": list(param.choices),
                        "min": param.minimum if param.kind == "int" else None,
                        "max": param.maximum if param.kind == "int" else None,
                    }
                    for param in rule.params
                ],
            }
            for rule in RULE_TYPES.values()
        ],
        "campaigns": [
            [campaign.pk, str(campaign)] for campaign in Campaign.objects.order_by("name")
        ],
        "owners": [[user.pk, user.display_name] for user in reps()],
    }
