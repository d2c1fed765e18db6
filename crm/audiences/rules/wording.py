"""A rule in words, for the audience's page: the pieces the catalogue's rule types
share ("in the last 7 days", a campaign's name) and the longer descriptions."""

from django.utils.formats import date_format

from crm.audiences.rules.base import Context


def within(params: dict) -> str:
    days = params.get("days")
    return f" in the last {days} day{'s' if days != 1 else ''}" if days else ""


def campaign_name(ctx: Context, pk: int) -> str:
    campaign = ctx.campaigns.get(pk)
    return str(campaign) if campaign else f"campaign #{pk}"


def describe_download(params: dict, ctx: Context) -> str:
    what = f"“{params['content']}”" if params.get("content") else "any content"
    text = f"downloaded {what}{within(params)}"
    if params.get("before_campaign"):
        campaign = ctx.campaigns.get(params["before_campaign"])
        when = f" ({date_format(campaign.starts_on)})" if campaign and campaign.starts_on else ""
        text += f" before {campaign_name(ctx, params['before_campaign'])}{when}"
    return text


def describe_score(params: dict, ctx: Context) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"score from {low} to {high}"
    return f"score at least {low}" if low is not None else f"score at most {high}"


def describe_owner(params: dict, ctx: Context) -> str:
    names = [ctx.users[pk].display_name if pk in ctx.users else f"#{pk}" for pk in params["owners"]]
    return "owned by " + ", ".join(names)


def describe_bought(params: dict, ctx: Context) -> str:
    text = f"bought “{params['product']}”"
    return text + (f" but not “{params['without']}”" if params.get("without") else "")
