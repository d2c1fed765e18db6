"""Who is in a retargeting file or a pushed ad audience; and the reads of the
ad connection and sync pages.

The audience's members whose consent allows marketing — email consent confirmed
(double opt-in), or, with MAIL_SOFT_OPT_IN on, a customer who has not said no —
and who never unsubscribed; the same rule as marketing email
(mailings.consent.selectors.why_not_email), since an ad list is marketing too. Do-not-call
and do-not-mail are about our phone calls and letters, not ads, and leave a lead
in. A member with neither an email nor a phone is left out: there is nothing a
platform could match reliably. (A platform that matches on less, such as an
email-only list, drops more rows: see formats.Format.keeps.)
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from crm.audiences.models import Audience, AudienceMember
from crm.audiences.selectors import audience_members
from crm.models import Lead, User
from crm.retargeting.backends import google_ads, meta
from crm.retargeting.formats import LEAD_FIELDS
from crm.retargeting.models import AdAudienceMember, AdConnection, AdSyncLog, AudienceAdLink
from crm.roles import require_manager
from crm.selectors import marketing_consent


def ads_consent() -> Q:
    """Leads whose consent allows putting them on an ad platform's customer list:
    marketing consent, as for email."""
    return marketing_consent()


def audience_export_leads(audience: Audience) -> QuerySet[Lead]:
    """The audience's members that may go into a retargeting file."""
    return (
        audience_members(audience).filter(ads_consent()).exclude(email="", phone="").order_by("pk")
    )


# Pushing to ad platforms (crm.retargeting.services)


def ad_sync_rows(link: AudienceAdLink) -> dict[int, dict[str, str]]:
    """Lead id -> the row the link's platform should hold for them now: the
    audience's members that consent allows, hashed by the platform's backend;
    those with no identifier the platform takes are left out."""
    if link.is_destination:
        return ad_rows_for_leads(link, _wanted_on_destination(link))
    return ad_rows_for_leads(link, audience_export_leads(link.audience))


def _wanted_on_destination(link: AudienceAdLink) -> QuerySet[Lead]:
    """A destination's wanted people are its ledger's (those not being removed),
    while consent still allows: a withdrawn consent takes them off at the sync."""
    wanted = link.members.filter(lead__isnull=False).exclude(
        state=AdAudienceMember.State.PENDING_REMOVE
    )
    return (
        Lead.objects.filter(pk__in=wanted.values("lead_id"))
        .filter(ads_consent())
        .exclude(email="", phone="")
        .order_by("pk")
    )


def ad_rows_for_leads(link: AudienceAdLink, leads: QuerySet[Lead]) -> dict[int, dict[str, str]]:
    """Lead id -> the link's platform's row, for those of `leads` it can match."""
    row_from_lead, usable = _ROWS[link.connection.platform]
    leads = leads.values("pk", *LEAD_FIELDS)
    rows = {}
    for lead in leads.iterator(chunk_size=2000):
        row = row_from_lead(lead)
        if usable(row):
            rows[lead["pk"]] = row
    return rows


_ROWS = {
    AdConnection.Platform.META: (meta.row_from_lead, bool),
    AdConnection.Platform.GOOGLE_ADS: (
        google_ads.row_from_lead,
        lambda row: bool(google_ads.user_identifiers(row)),
    ),
}


def ad_links_of_lead(lead_id: int) -> QuerySet[AudienceAdLink]:
    """The links whose audience has the lead, or whose ledger has them."""
    in_audience = AudienceMember.objects.filter(
        audience_id=OuterRef("audience_id"), lead_id=lead_id
    )
    in_ledger = AdAudienceMember.objects.filter(link_id=OuterRef("pk"), lead_id=lead_id)
    return AudienceAdLink.objects.filter(Exists(in_audience) | Exists(in_ledger))


def ad_destinations() -> QuerySet[AudienceAdLink]:
    """The destinations cadence steps may feed (links without an audience)."""
    return (
        AudienceAdLink.objects.filter(audience__isnull=True)
        .select_related("connection")
        .order_by("connection__name", "name", "pk")
    )


def ad_connections_for_list() -> QuerySet[AdConnection]:
    return AdConnection.objects.annotate(link_count=Count("links")).order_by("name", "pk")


def get_ad_connection_for_user(user: User, pk: int) -> AdConnection:
    """The connection for a manager (403 for anyone else), or 404."""
    require_manager(user, "Ad connections")
    return get_object_or_404(AdConnection, pk=pk)


def get_audience_ad_link(audience: Audience, pk: int) -> AudienceAdLink:
    return get_object_or_404(AudienceAdLink, audience=audience, pk=pk)


LOGS_SHOWN = 5


def audience_ad_links(audience: Audience) -> list[AudienceAdLink]:
    """The audience's links for its page: connection, pending counts and the last
    syncs (link.recent_logs), in two queries however many links."""
    return list(_with_sync_state(AudienceAdLink.objects.filter(audience=audience)))


def ad_destinations_sync_state(link_ids: list[int]) -> dict[int, AudienceAdLink]:
    """Cadence destinations by id, with the same sync state as an audience's links
    (for the ads steps on a cadence's page); two queries, none without ids."""
    if not link_ids:
        return {}
    return {
        link.pk: link for link in _with_sync_state(AudienceAdLink.objects.filter(pk__in=link_ids))
    }


def _with_sync_state(links: QuerySet[AudienceAdLink]) -> QuerySet[AudienceAdLink]:
    members = AdAudienceMember.objects.filter(link=OuterRef("pk"))
    recent = Prefetch(
        "logs",
        AdSyncLog.objects.order_by("-started_at", "-pk")[:LOGS_SHOWN],
        to_attr="recent_logs",
    )
    return (
        links.select_related("connection")
        .annotate(
            to_add=_count(members.filter(state=AdAudienceMember.State.PENDING_ADD)),
            to_remove=_count(members.filter(state=AdAudienceMember.State.PENDING_REMOVE)),
            synced=_count(members.filter(state=AdAudienceMember.State.SYNCED)),
        )
        .prefetch_related(recent)
        .order_by("pk")
    )


def _count(members: QuerySet[AdAudienceMember]) -> Subquery:
    counted = members.order_by().values("link").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)
