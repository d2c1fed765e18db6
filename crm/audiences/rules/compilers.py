"""Each rule type's SQL: a Q on Lead, an EXISTS (or NOT EXISTS) over the lead's
interactions, or a filter on the lead's own columns. Nothing is decided per lead
in Python."""

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Aggregate, Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from crm.audiences.rules.base import Compiler, Context
from crm.audiences.sql import GlobMatch, HasProduct, JsonNumber, json_text
from crm.models import Campaign, Interaction, Lead
from crm.selectors import marketing_consent

Kind = Interaction.Kind


def _since(params: dict, ctx: Context) -> Q:
    days = params.get("days")
    return Q(occurred_at__gte=ctx.now - dt.timedelta(days=days)) if days else Q()


def _did(kind: str, params: dict, ctx: Context, *conditions: Any, **filters: Any) -> Q:
    """The lead has an interaction of this kind (in the window) meeting the conditions."""
    done = Interaction.objects.filter(
        _since(params, ctx), *conditions, lead=OuterRef("pk"), kind=kind, **filters
    )
    return Q(Exists(done))


def visited(params: dict, ctx: Context) -> Q:
    return _did(Kind.WEB_VISIT, params, ctx, GlobMatch(F("path"), params["path"]))


def page_views(params: dict, ctx: Context) -> Q:
    return _visits_total(params, ctx, Count("id"), params["pages"])


def time_on_site(params: dict, ctx: Context) -> Q:
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


def cart_abandoned(params: dict, ctx: Context) -> Q:
    bought_since = Interaction.objects.filter(
        lead=OuterRef("lead"), kind=Kind.PURCHASE, occurred_at__gte=OuterRef("occurred_at")
    )
    return _did(Kind.CART_ABANDONED, params, ctx, ~Exists(bought_since))


def campaign_kind(kind: str) -> Compiler:
    return lambda params, ctx: _did(kind, params, ctx, campaign_id=params["campaign"])


def downloaded(params: dict, ctx: Context) -> Q:
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


def app_event(params: dict, ctx: Context) -> Q:
    return _did(Kind.APP_EVENT, params, ctx, data__name=params["name"])


def did_kind(kind: str) -> Compiler:
    return lambda params, ctx: _did(kind, params, ctx)


# Profile, customer data, consent ------------------------------------------------


def any_of(lookup: str, values: list) -> Q:
    return reduce(or_, (Q(**{lookup: value}) for value in values))


def score(params: dict, ctx: Context) -> Q:
    bounds = Q()
    if params.get("min") is not None:
        bounds &= Q(score__gte=params["min"])
    if params.get("max") is not None:
        bounds &= Q(score__lte=params["max"])
    return bounds


def last_purchase_before(params: dict, ctx: Context) -> Q:
    recent = _did(Kind.PURCHASE, params, ctx)
    return _did(Kind.PURCHASE, {}, ctx) & ~recent


def bought(params: dict, ctx: Context) -> Q:
    bought = _did(Kind.PURCHASE, {}, ctx, HasProduct(params["product"]))
    if params.get("without"):
        bought &= ~_did(Kind.PURCHASE, {}, ctx, HasProduct(params["without"]))
    return bought


def consent(params: dict, ctx: Context) -> Q:
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
