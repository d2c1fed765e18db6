"""Reads for audiences: their members (as kept up to date), for pages and for
every channel that uses an audience (call queue, drips, print runs, ad exports)."""

import datetime as dt
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from crm.audiences.models import Audience, AudienceMember
from crm.audiences.rules.compiling import audience_leads, definition_key, definition_of
from crm.models import Lead, User
from crm.pagination import COUNT_CAP, KeysetPage
from crm.prepared import Moment, Number, Prepared
from crm.roles import require_manager

# Newest leads first: PostgreSQL reads a page straight off the member index
# (audience, lead) in this order, in under a millisecond for an audience of any
# size; by last activity it must sort or probe (a quarter second for 5,000 members
# of a million leads). audience_member_page's cursor is the id: change both together.
MEMBER_ORDER = ("-id",)
# What the member list shows (display_name falls back on email and phone).
MEMBER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "country",
    "stage",
    "last_activity_at",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def audience_members(
    audience: Audience | int, *, within: QuerySet[Lead] | None = None
) -> QuerySet[Lead]:
    """The audience's leads (among `within`, e.g. the leads a user may see),
    unordered: a semi-join on the member rows, so each lead once, and ready for
    more filters (consent, do not mail, ...)."""
    leads = Lead.objects.all() if within is None else within
    return leads.filter(Exists(is_member(audience)))


def is_member(audience: Audience | int, lead_ref: str = "pk") -> QuerySet[AudienceMember]:
    """Member rows of the audience for the outer query's lead (OuterRef(lead_ref)),
    to use in Exists(...) from a queryset of leads or of rows with a lead."""
    return AudienceMember.objects.filter(audience=audience, lead_id=OuterRef(lead_ref))


def audience_preview(definition: dict, *, now: dt.datetime, size: int) -> list[Lead]:
    """The first leads the rules pick now, newest first, with what the member list
    shows (DefinitionError when the rules are invalid): the builder's preview.
    Compiled once per definition (crm.prepared); "now" is a slot."""
    statement = _preview_statement(connection.alias, definition_key(definition), size)
    return statement.instances(now=now)


NOW = Moment("now")


@lru_cache(maxsize=256)
def _preview_statement(alias: str, key: str, size: int) -> Prepared:
    leads = audience_leads(definition_of(key), now=NOW.stand_in).using(alias)
    leads = leads.select_related("owner").only(*MEMBER_FIELDS).order_by(*MEMBER_ORDER)
    # Rules without a window ("in the last 7 days") don't read now.
    return Prepared(leads[:size], (NOW,), all_used=False)


def audiences_for_list() -> QuerySet[Audience]:
    return Audience.objects.select_related("created_by").order_by("name", "pk")


def active_audiences() -> QuerySet[Audience]:
    """The audiences a channel may use (for choice fields)."""
    return Audience.objects.filter(is_active=True).order_by("name", "pk")


def audience_chosen(user: User, value: str | None) -> Audience | None:
    """The audience a channel page was asked to use (?audience=ID): None when
    none was, 404 when it is not an audience."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) < 19):
        raise Http404("No such audience.")
    return get_audience_for_user(user, int(value))


def get_audience_for_user(user: User, pk: int) -> Audience:
    """The audience for a manager (403 for anyone else: audiences are managers'
    work), or 404."""
    require_manager(user, "Audiences")
    return get_object_or_404(Audience.objects.select_related("created_by"), pk=pk)


def audience_member_page(
    audience: Audience, *, after: int | None, before: int | None, size: int
) -> KeysetPage:
    """A page of members, newest leads first, with what the page shows; every page
    costs the same. The cursor is a lead id (the order is the id alone): a page
    continues below `after` or above `before`. The total counts member rows alone,
    up to COUNT_CAP (the lead is there: a foreign key).

    A page takes the database about a millisecond, so its two statements are
    compiled once per shape (crm.prepared) rather than on every page."""
    anchor = after or before
    going_back = after is None and before is not None
    statement = _member_page_statement(connection.alias, size + 1, going_back, anchor is not None)
    items = statement.instances(audience=audience.pk, anchor=anchor or 0)
    has_more = len(items) > size
    items = items[:size]
    if going_back:
        items.reverse()
    total = _member_count_statement(connection.alias).value(audience=audience.pk)
    return KeysetPage(
        items=items,
        next_after=items[-1].pk if items and (has_more or going_back) else None,
        prev_before=items[0].pk
        if items and anchor is not None and (has_more or not going_back)
        else None,
        total=min(total, COUNT_CAP),
        total_is_capped=total > COUNT_CAP,
    )


AUDIENCE, ANCHOR = Number("audience", -271_828_182), Number("anchor", -314_159_265)


@lru_cache(maxsize=64)
def _member_page_statement(alias: str, limit: int, going_back: bool, anchored: bool) -> Prepared:
    members = audience_members(AUDIENCE.stand_in).select_related("owner").only(*MEMBER_FIELDS)
    slots: tuple = (AUDIENCE,)
    if anchored:
        members = (
            members.filter(pk__gt=ANCHOR.stand_in)
            if going_back
            else members.filter(pk__lt=ANCHOR.stand_in)
        )
        slots += (ANCHOR,)
    order = ("id",) if going_back else MEMBER_ORDER
    return Prepared(members.using(alias).order_by(*order)[:limit], slots)


@lru_cache(maxsize=8)
def _member_count_statement(alias: str) -> Prepared:
    members = AudienceMember.objects.using(alias).filter(audience_id=AUDIENCE.stand_in)
    return Prepared.count(members, (AUDIENCE,), cap=COUNT_CAP)
