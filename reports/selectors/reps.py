"""Rep activity: what each person logged in the period, and the leads they own."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from crm.models import Interaction, Lead, User
from crm.outcomes import CONNECTED_CALL_OUTCOMES, MEETING_BOOKED, CallOutcome
from reports.selectors.common import DashboardFilter, mondays, percent

DEFINITIONS = {
    "calls": ("Calls logged", "Calls the person logged in the period."),
    "connected": (
        "Connected",
        'Of those, logged as "Connected: interested", "Connected: '
        'not interested" or "Meeting booked".',
    ),
    "meetings": ("Meetings booked", 'Of those, logged as "Meeting booked".'),
    "voicemail": ("Voicemail", 'Of those, logged as "Left a voicemail".'),
    "no_answer": ("No answer", 'Of those, logged as "No answer".'),
    "leads_owned": ("Leads owned", "Leads the person owns now, whenever they were assigned."),
    "weekly": (
        "Calls per week",
        "Calls logged by everyone (with or without a person), and how many connected, "
        "per week (weeks start on Monday, in your time zone).",
    ),
}


OUTCOMES = {
    "connected": Q(outcome__in=CONNECTED_CALL_OUTCOMES),
    "meetings": Q(outcome=MEETING_BOOKED),
    "voicemail": Q(outcome=CallOutcome.VOICEMAIL),
    "no_answer": Q(outcome=CallOutcome.NO_ANSWER),
}
MEASURES = ("calls", *OUTCOMES)


@dataclass(frozen=True)
class RepRow:
    person: str
    username: str
    calls: int = 0
    connected: int = 0
    meetings: int = 0
    voicemail: int = 0
    no_answer: int = 0
    leads_owned: int = 0

    @property
    def connect_rate(self) -> float | None:
        return percent(self.connected, self.calls)


@dataclass(frozen=True)
class WeekRow:
    week: date  # its Monday
    calls: int = 0
    connected: int = 0


@dataclass(frozen=True)
class RepActivity:
    reps: list[RepRow]
    weeks: list[WeekRow]


def rep_activity(filters: DashboardFilter) -> RepActivity:
    """Per person: calls logged in the period with their outcomes (meetings booked
    among them), and leads owned now; and calls per week, by everyone. Everyone who
    logged a call or owns a lead is listed (reps, managers, former reps). Three
    queries: calls per person and week (one pass over the period's calls), leads per
    owner, the people."""
    per_person, per_week = _calls(filters)
    owned = _leads_per_owner(filters)
    people = User.objects.filter(pk__in=[*per_person, *owned]).order_by(
        "first_name", "last_name", "username"
    )
    rows = [
        RepRow(
            person.display_name,
            person.username,
            **per_person.get(person.pk, {}),
            leads_owned=owned.get(person.pk, 0),
        )
        for person in people
    ]
    weeks = [
        WeekRow(monday, per_week[monday]["calls"], per_week[monday]["connected"])
        if monday in per_week
        else WeekRow(monday)
        for monday in mondays(filters)
    ]
    return RepActivity(reps=rows, weeks=weeks)


Totals = dict[str, int]


def _calls(filters: DashboardFilter) -> tuple[dict[int, Totals], dict[date, Totals]]:
    """The period's calls counted per person (calls without one left out) and per
    week (all of them), from one query grouped by both."""
    rows = (
        Interaction.objects.filter(
            filters.during("occurred_at"), filters.of_campaign("lead__"), kind=Interaction.Kind.CALL
        )
        .values("user", week=TruncWeek("occurred_at", tzinfo=filters.time_zone))
        .annotate(
            calls=Count("pk"), **{name: Count("pk", filter=q) for name, q in OUTCOMES.items()}
        )
        .order_by()
    )
    per_person: dict[int, Totals] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    per_week: dict[date, Totals] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for row in rows:
        totals = [per_week[row["week"].date()]]
        if row["user"] is not None:
            totals.append(per_person[row["user"]])
        for total in totals:
            for measure in MEASURES:
                total[measure] += row[measure]
    return per_person, per_week


def _leads_per_owner(filters: DashboardFilter) -> dict[int, int]:
    rows = (
        Lead.objects.filter(filters.of_campaign(), owner__isnull=False)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["owner"]: row["n"] for row in rows}
