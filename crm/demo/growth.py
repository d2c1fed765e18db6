"""Demo data for the growth pages: a tracked website, two audiences that show
what the rules can say, and every demo lead's score worked out."""

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh, audience_save
from crm.models import Campaign, Interaction, Lead, User
from crm.scoring.services import scores_update
from crm.tracking.models import Site

SCORE_BATCH = 2000
WHITE_PAPER, WHITE_PAPER_SHARE = "white-paper-remarketing-2026", 0.15


@dataclass(frozen=True)
class DemoGrowth:
    audiences: dict[str, int]
    scored: int


def demo_growth_seed(*, site_origin: str) -> DemoGrowth | None:
    """None without a manager or an event (run seed_demo first)."""
    manager = User.objects.filter(groups__name="manager").order_by("pk").first()
    event = (
        Campaign.objects.filter(kind=Campaign.Kind.EVENT, starts_on__isnull=False)
        .annotate(
            visits=Count("interactions", filter=Q(interactions__kind=Interaction.Kind.BOOTH_VISIT))
        )
        .order_by("-visits", "pk")
        .first()
    )
    if manager is None or event is None:
        return None
    Site.objects.get_or_create(name="Demo website", defaults={"origins": site_origin})
    _white_papers_before(event)
    now = timezone.now()
    audiences = [_save(manager, name, definition) for name, definition in _audiences(event)]
    for audience in audiences:
        audience_refresh(audience=audience, now=now)
    scored = _score_everyone(now)
    counts = {a.name: Audience.objects.get(pk=a.pk).member_count for a in audiences}
    return DemoGrowth(counts, scored)


def _audiences(event: Campaign) -> list[tuple[str, dict]]:
    return [
        (
            f"Most qualified from {event.name}",
            {
                "match": "all",
                "rules": [
                    {"type": "attended_event", "campaign": event.pk},
                    {
                        "type": "downloaded_content",
                        "content": "white-paper*",
                        "before_campaign": event.pk,
                    },
                ],
            },
        ),
        (
            "Looked at pricing this month, no demo",
            {
                "match": "all",
                "rules": [
                    {"type": "visited_page", "path": "/pricing*", "days": 30},
                    {"type": "not_visited_page", "path": "/demo*", "days": 30},
                    {"type": "consent", "consent": "may_email"},
                ],
            },
        ),
    ]


def _white_papers_before(event: Campaign) -> None:
    """Some of the event's visitors read the white paper on the website in the
    weeks before it (their anonymous history, joined when they identified)."""
    rng = random.Random(event.pk)
    visitors = Lead.objects.filter(
        interactions__kind=Interaction.Kind.BOOTH_VISIT, interactions__campaign=event
    ).distinct()
    starts = dt.datetime.combine(event.starts_on, dt.time(12), tzinfo=dt.UTC)
    papers = [
        Interaction(
            lead_id=lead_id,
            kind=Interaction.Kind.CONTENT_DOWNLOAD,
            occurred_at=starts - dt.timedelta(days=rng.randrange(3, 30)),
            data={"content": WHITE_PAPER, "title": "The remarketing white paper 2026"},
            source="website",
            external_id=f"demo-white-paper:{lead_id}",
        )
        for lead_id in visitors.values_list("pk", flat=True)
        if rng.random() < WHITE_PAPER_SHARE
    ]
    Interaction.objects.bulk_create(papers, ignore_conflicts=True)


def _save(manager: User, name: str, definition: dict) -> Audience:
    existing = Audience.objects.filter(name=name).first()
    return audience_save(
        audience=existing, name=name, definition=definition, is_active=True, by=manager
    )


def _score_everyone(now) -> int:
    ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), SCORE_BATCH):
        scores_update(lead_ids=ids[start : start + SCORE_BATCH], now=now)
    return len(ids)
