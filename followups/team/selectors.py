"""Reads for the manager's team view: each person's queue and today's calls; and
for sharing leads out: their territories, and who would get how many."""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from crm.contact import country_name
from crm.models import Interaction, Lead, User
from crm.outcomes import CONNECTED_CALL_OUTCOMES, MEETING_BOOKED
from crm.roles import Role
from followups.models import Channel, Touch

MEMBER_PAGE_SIZE = 200


@dataclass(frozen=True)
class TeamRow:
    person: User | None  # None: the open calls no one is assigned
    queue: int = 0
    overdue: int = 0
    calls: int = 0
    connects: int = 0
    meetings: int = 0


def team_rows(*, now: dt.datetime, time_zone: ZoneInfo) -> list[TeamRow]:
    """One row per rep, per other person with open calls or calls today, and one
    for the unassigned calls; "today" is the day in `time_zone`. Three queries
    whatever the number of people or touches."""
    queues = _queues(now)
    calls = _calls_today(now, time_zone)
    people = (
        User.objects.filter(
            Q(groups__name=Role.REP, is_active=True)
            | Q(pk__in=[pk for pk in [*queues, *calls] if pk is not None])
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    rows = [
        TeamRow(person, **queues.get(person.pk, {}), **calls.get(person.pk, {}))
        for person in people
    ]
    return [*rows, TeamRow(None, **queues.get(None, {}))]


def _queues(now: dt.datetime) -> dict[int | None, dict[str, int]]:
    rows = (
        Touch.objects.filter(channel=Channel.CALL, status__in=Touch.OPEN)
        .values("assigned_to")
        .annotate(
            queue=Count("pk"),
            overdue=Count("pk", filter=Q(status=Touch.Status.PENDING, due_at__lt=now)),
        )
        .order_by()
    )
    return {row.pop("assigned_to"): row for row in rows}


def _calls_today(now: dt.datetime, time_zone: ZoneInfo) -> dict[int, dict[str, int]]:
    start, end = day_bounds(now, time_zone)
    rows = (
        Interaction.objects.filter(
            kind=Interaction.Kind.CALL,
            occurred_at__gte=start,
            occurred_at__lt=end,
            user__isnull=False,
        )
        .values("user")
        .annotate(
            calls=Count("pk"),
            connects=Count("pk", filter=Q(outcome__in=CONNECTED_CALL_OUTCOMES)),
            meetings=Count("pk", filter=Q(outcome=MEETING_BOOKED)),
        )
        .order_by()
    )
    return {row.pop("user"): row for row in rows}


def day_bounds(now: dt.datetime, time_zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The start of `now`'s day in the zone and of the next day (23 or 25 hours
    later on the days the clocks change)."""
    day = now.astimezone(time_zone).date()
    start = dt.datetime.combine(day, dt.time(), tzinfo=time_zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=time_zone)
    return start, end


def team_totals(rows: list[TeamRow]) -> TeamRow:
    return TeamRow(
        None,
        **{
            field: sum(getattr(row, field) for row in rows)
            for field in ("queue", "overdue", "calls", "connects", "meetings")
        },
    )


def assignable_people() -> QuerySet[User]:
    """Who can be given calls: active reps and managers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.REP, Role.MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def open_touches_of(person: User | None) -> QuerySet[Touch]:
    """A person's open touches on any channel (None: the unassigned ones), soonest first."""
    return Touch.objects.filter(assigned_to=person, status__in=Touch.OPEN).order_by("due_at", "id")


def member_page(person: User | None) -> tuple[list[Touch], int]:
    """The first page of a person's open touches with their leads, and how many there are."""
    touches = open_touches_of(person)
    page = list(touches.select_related("lead", "claimed_by")[:MEMBER_PAGE_SIZE])
    total = len(page) if len(page) < MEMBER_PAGE_SIZE else touches.count()
    return page, total


@dataclass(frozen=True)
class Territory:
    """A country among some leads (region ""), or one of its regions."""

    country: str
    region: str
    leads: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.country, self.region)

    @property
    def name(self) -> str:
        if self.region:
            return self.region
        return country_name(self.country) if self.country else "No country"


def territories_of(leads: QuerySet[Lead]) -> list[Territory]:
    """The countries of `leads` with how many leads each has, each followed by its
    regions when some of its leads have one (the country's count includes
    theirs); countries by name, the leads without a country last. One query."""
    counts = leads.order_by().values_list("country", "region").annotate(leads=Count("pk"))
    regions: dict[str, list[Territory]] = defaultdict(list)
    for country, region, count in counts:
        regions[country].append(Territory(country, region, count))
    countries = [
        Territory(country, "", sum(territory.leads for territory in found))
        for country, found in regions.items()
    ]
    countries.sort(key=lambda territory: (not territory.country, territory.name.casefold()))
    return [
        row
        for country in countries
        for row in [
            country,
            *sorted(
                (territory for territory in regions[country.country] if territory.region),
                key=lambda territory: territory.name.casefold(),
            ),
        ]
    ]


@dataclass(frozen=True)
class Share:
    person: User
    leads: int


def round_robin_shares(count: int, people: Sequence[User]) -> list[Share]:
    """How many of `count` leads each person gets when they are dealt out in turn
    (followups.team.services.leads_share_round_robin): the first count % len(people)
    people one more than the others."""
    return [
        Share(person, count // len(people) + (turn < count % len(people)))
        for turn, person in enumerate(people)
    ]


def territory_shares(
    territories: Sequence[Territory], chosen: Mapping[tuple[str, str], User]
) -> list[Share]:
    """How many leads each person gets when `chosen` gives them countries and regions
    (followups.team.services.leads_share_by_territory): a region's person takes
    its leads from its country's, and a country no one was chosen for keeps its own."""
    taken: dict[str, int] = defaultdict(int)  # by regions with a person of their own
    for territory in territories:
        if territory.region and territory.key in chosen:
            taken[territory.country] += territory.leads
    shares: dict[User, int] = defaultdict(int)
    for territory in territories:
        if person := chosen.get(territory.key):
            others = 0 if territory.region else taken[territory.country]
            shares[person] += territory.leads - others
    return [Share(person, leads) for person, leads in shares.items()]
