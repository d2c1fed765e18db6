"""Reads for the manager's drip pages."""

import datetime as dt

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from crm.models import Lead
from crm.selectors import lead_search
from mailings.models import Drip, DripStep, Enrolment, OutboxEmail

SENT_PERIOD = dt.timedelta(days=30)


def drips_with_counts(now: dt.datetime) -> QuerySet[Drip]:
    """One query: each count is a subquery, so no join multiplies another."""
    sent = OutboxEmail.objects.filter(
        status=OutboxEmail.Status.SENT, sent_at__gte=now - SENT_PERIOD
    )
    return Drip.objects.select_related("trigger_campaign", "for_rule").annotate(
        step_count=_count_of(DripStep.objects.all(), "drip"),
        active_count=_count_of(Enrolment.objects.filter(status=Enrolment.Status.ACTIVE), "drip"),
        sent_count=_count_of(sent, "enrolment__drip"),
    )


def _count_of(queryset: QuerySet, field: str) -> Coalesce:
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def drip_enrolments(drip: Drip, *, status: str, q: str) -> QuerySet[Enrolment]:
    upcoming = OutboxEmail.objects.filter(
        enrolment=OuterRef("pk"),
        status__in=(OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING),
    ).order_by("step__position")
    listed = drip.enrolments.select_related("lead", "enrolled_by").annotate(
        next_step=Subquery(upcoming.values("step__position")[:1]),
        next_due=Subquery(upcoming.values("touch__due_at")[:1]),
    )
    if status:
        listed = listed.filter(status=status)
    if q:
        listed = listed.filter(lead__in=lead_search(Lead.objects.all(), q).values("pk"))
    return listed.order_by("-enrolled_at", "-pk")
