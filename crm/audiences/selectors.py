"""Reads for audiences: their members (as kept up to date), for pages and for
every channel that uses an audience (call queue, drips, print runs, ad exports)."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from crm.audiences.models import Audience, AudienceMember
from crm.models import Lead
from crm.pagination import KeysetPage, keyset_paginate

# Newest leads first: PostgreSQL reads a page straight off the member index
# (audience, lead) in this order, in under a millisecond for an audience of any
# size; by last activity it must sort or probe (a quarter second for 5,000 members
# of a million leads).
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


def audiences_for_list() -> QuerySet[Audience]:
    return Audience.objects.select_related("created_by").order_by("name", "pk")


def active_audiences() -> QuerySet[Audience]:
    """The audiences a channel may use (for choice fields)."""
    return Audience.objects.filter(is_active=True).order_by("name", "pk")


def audience_chosen(value: str | None) -> Audience | None:
    """The audience a channel page was asked to use (?audience=ID): None when
    none was, 404 when it is not an audience."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) < 19):
        raise Http404("No such audience.")
    return get_audience(int(value))


def get_audience(pk: int) -> Audience:
    """The audience or 404. Audiences are for managers: the caller checks the role."""
    return get_object_or_404(Audience.objects.select_related("created_by"), pk=pk)


def audience_member_page(
    audience: Audience, *, after: int | None, before: int | None, size: int
) -> KeysetPage:
    """A page of members, newest leads first, with what the page shows; every page
    costs the same. The total counts member rows alone (the lead is there: a
    foreign key)."""
    members = audience_members(audience).select_related("owner").only(*MEMBER_FIELDS)
    return keyset_paginate(
        members,
        ordering=MEMBER_ORDER,
        after=after,
        before=before,
        size=size,
        counted=AudienceMember.objects.filter(audience=audience),
    )
