"""Reads for the managers' pages on tracked websites: a site for a manager, the
sites' list with its numbers, and the events a site received lately."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.shortcuts import get_object_or_404

from crm.models import Interaction, Lead, User
from crm.roles import require_manager
from crm.tracking.events import EVENT_KINDS, KEY_PREFIX, SOURCE
from crm.tracking.models import Cart, Site, Visitor, WebEvent

RECENT_VISITORS = dt.timedelta(days=30)  # "visitors seen lately" on the list
RECENT_EVENTS = 20  # the events a site's page shows


def get_site_for_user(user: User, pk: int) -> Site:
    """The tracked website for a manager (403 for anyone else), or 404."""
    require_manager(user, "Website settings")
    return get_object_or_404(Site, pk=pk)


def sites_for_list(*, now: dt.datetime) -> QuerySet[Site]:
    """Every site with its numbers, in one query however many sites: last_seen_at
    (its visitors' latest beacon, to the minute), recent_visitors (seen in the
    last 30 days), recent_identified (of them, those linked to a lead) and
    open_carts."""
    visitors = Visitor.objects.filter(site=OuterRef("pk"))
    recent = visitors.filter(last_seen_at__gte=now - RECENT_VISITORS)
    carts = Cart.objects.filter(visitor__site=OuterRef("pk"), status=Cart.Status.OPEN)
    return Site.objects.annotate(
        last_seen_at=Subquery(visitors.order_by("-last_seen_at").values("last_seen_at")[:1]),
        recent_visitors=_count(recent, per="site"),
        recent_identified=_count(recent.filter(lead__isnull=False), per="site"),
        open_carts=_count(carts, per="visitor__site"),
    ).order_by("name", "pk")


def _count(rows: QuerySet, *, per: str) -> Coalesce:
    """How many of the rows, as a subquery of the outer site (rows grouped by `per`,
    the path to their site)."""
    counted = rows.order_by().values(per).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class ReceivedEvent:
    """An event a site received, as its page shows it: no personal data but the
    lead's name."""

    kind: str  # the label, e.g. "Page view"
    path: str
    occurred_at: dt.datetime
    lead: Lead | None

    @property
    def lead_name(self) -> str:
        if self.lead is None:
            return ""
        return self.lead.full_name or f"Lead #{self.lead.pk}"


def site_recent_events(site: Site, *, limit: int = RECENT_EVENTS) -> list[ReceivedEvent]:
    """The site's latest events, newest first. An anonymous visitor's are WebEvent
    rows; an identified visitor's are interactions on its lead (its earlier
    anonymous ones joined them), found by their key: web:<visitor id>:<event id>."""
    anonymous = WebEvent.objects.filter(visitor__site=site, interaction__isnull=True)
    anonymous = anonymous.only("kind", "path", "occurred_at").order_by("-occurred_at", "-pk")
    events = [_anonymous_event(event) for event in anonymous[:limit]]
    events += [_identified_event(interaction) for interaction in _identified_events(site)[:limit]]
    events.sort(key=lambda event: event.occurred_at, reverse=True)
    return events[:limit]


def _identified_events(site: Site) -> QuerySet[Interaction]:
    # The join through the lead's visitors keeps the site's; the key names the visitor.
    key_prefix = Concat(Value(KEY_PREFIX), Cast(F("lead__visitors__pk"), CharField()), Value(":"))
    interactions = Interaction.objects.filter(
        source=SOURCE,
        kind__in=EVENT_KINDS,
        lead__visitors__site=site,
        external_id__startswith=key_prefix,
    )
    return (
        interactions.select_related("lead")
        .only("kind", "path", "occurred_at", "lead__first_name", "lead__last_name")
        .order_by("-occurred_at", "-pk")
    )


def _anonymous_event(event: WebEvent) -> ReceivedEvent:
    return ReceivedEvent(
        kind=event.get_kind_display(), path=event.path, occurred_at=event.occurred_at, lead=None
    )


def _identified_event(interaction: Interaction) -> ReceivedEvent:
    return ReceivedEvent(
        kind=WebEvent.Kind(EVENT_KINDS[interaction.kind]).label,
        path=interaction.path,
        occurred_at=interaction.occurred_at,
        lead=interaction.lead,
    )
