"""Demo letters for a demo database: letter touches due for visitors of the
busiest event's booth, an approved print run of some of them waiting for the
mailroom, and the rest still due for a manager's next run."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead, User
from mailings.letters.models import LetterTemplate
from mailings.letters.runs import letter_touches_plan, print_run_approve, print_run_create

IN_THE_RUN, STILL_DUE = 24, 12


@dataclass(frozen=True)
class DemoLetters:
    run: str
    letters: int
    exceptions: int
    still_due: int


@transaction.atomic
def demo_letters_seed(*, now: dt.datetime | None = None) -> DemoLetters | None:
    """None when the demo has no event with booth visitors or no manager."""
    now = now or timezone.now()
    campaign = _busiest_event()
    manager = User.objects.filter(groups__name="manager").order_by("pk").first()
    if campaign is None or manager is None:
        return None
    visitors = _booth_visitors(campaign, IN_THE_RUN + STILL_DUE)
    _plan_letters(visitors[:IN_THE_RUN], campaign, due_at=now - dt.timedelta(hours=2))
    run = print_run_create(
        name=f"{campaign.name}: thank-you letters",
        template=LetterTemplate.objects.get(slug="conference-follow-up"),
        paper="letter",
        created_by=manager,
        now=now,
    )
    print_run_approve(run=run, by=manager, now=now)
    _plan_letters(visitors[IN_THE_RUN:], campaign, due_at=now - dt.timedelta(minutes=30))
    printed = run.letters.filter(exception="").count()
    return DemoLetters(run.name, printed, run.letters.count() - printed, len(visitors) - IN_THE_RUN)


def _busiest_event() -> Campaign | None:
    return (
        Campaign.objects.filter(kind=Campaign.Kind.EVENT)
        .annotate(visits=Count("interactions"))
        .order_by("-visits", "pk")
        .first()
    )


def _booth_visitors(campaign: Campaign, count: int) -> list[Lead]:
    return list(
        Lead.objects.filter(
            interactions__kind=Interaction.Kind.BOOTH_VISIT, interactions__campaign=campaign
        )
        .exclude(address_line1="")
        .distinct()
        .order_by("pk")[:count]
    )


def _plan_letters(leads: list[Lead], campaign: Campaign, *, due_at: dt.datetime) -> None:
    letter_touches_plan(
        leads=leads,
        due_at=due_at,
        reason=f"Visited our booth at {campaign.name}: a personal letter",
        origin="demo",
        key_prefix="demo-letter",
    )
