"""Rep activity: what each person logged in the period, and the leads they own."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import TruncWeek

from crm.models import Interaction, Lead, User
from crm.outcomes import CONNECTED_CALL_OUTCOMES, MEETING_BOOKED, CallOutcome
from reports.models import CallRollup, OwnerRollup
from reports.selectors import rollups
from reports.selectors.common import DashboardFilter, mondays, percent
from reports.selectors.rollups import rolled_up, split

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
    queries: calls per person and week (one pass over the period's calls, or on
    PostgreSQL over the daily rollup reports.models.CallRollup, with the pieces of
    days it cannot answer read live), leads per owner (reports.models.OwnerRollup on
    PostgreSQL), the people."""
    if rolled_up(filters):
        per_person, per_week = _rolled_up_calls(filters)
        owned = _rolled_up_leads_per_owner(filters)
    else:
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
    rows = _call_rows(filters, week=TruncWeek("occurred_at", tzinfo=filters.time_zone))
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


def _call_rows(filters: DashboardFilter, **group):
    """The filters' calls counted per person and `group`."""
    return (
        Interaction.objects.filter(
            filters.during("occurred_at"), filters.of_campaign("lead__"), kind=Interaction.Kind.CALL
        )
        .values("user", **group)
        .annotate(
            calls=Count("pk"), **{name: Count("pk", filter=q) for name, q in OUTCOMES.items()}
        )
        .order_by()
    )


def _leads_per_owner(filters: DashboardFilter) -> dict[int, int]:
    rows = (
        Lead.objects.filter(filters.of_campaign(), owner__isnull=False)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["owner"]: row["n"] for row in rows}


def _rolled_up_calls(filters: DashboardFilter) -> tuple[dict[int, Totals], dict[date, Totals]]:
    """What _calls answers, from the rollup's days (each week a segment) and the
    pieces of days read live."""
    weeks = mondays(filters)
    starts = [dt.datetime.combine(monday, dt.time(), tzinfo=filters.time_zone) for monday in weeks]
    when = split([filters.start, *starts[1:], filters.end])
    # Each day's week worked out in the query: a row per week and person, not per
    # day and person.
    segment = Case(
        *(
            When(day__gte=first, then=Value(index))
            for index, first in reversed([*enumerate(when.days)][1:-1])
        ),
        default=Value(0),
    )
    rows = (
        CallRollup.objects.filter(when.rollup_days(), rollups.of_campaign(filters, every_lead=True))
        .values("user", segment=segment)
        .annotate(**{f"n_{measure}": Sum(measure) for measure in MEASURES})
        .order_by()
    )
    per_person: dict[int, Totals] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    per_segment: dict[int, Totals] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for row in rows:
        row = {measure: row[f"n_{measure}"] for measure in MEASURES} | row
        _add(per_segment[row["segment"]], row)
        if row["user"] is not None:
            _add(per_person[row["user"]], row)
    inside = set(range(len(weeks)))
    pieces = rollups.pieces(filters, when)
    for row in _call_rows(pieces, piece=pieces.piece("occurred_at")) if pieces else ():
        piece = when.pieces[row["piece"]]
        for segment in {piece.add_to, piece.take_from} & inside:
            _add(per_segment[segment], row, piece.sign(segment))
        if row["user"] is not None:
            _add(
                per_person[row["user"]], row, (piece.add_to in inside) - (piece.take_from in inside)
            )
    per_week = {weeks[segment]: totals for segment, totals in per_segment.items()}
    return {user: totals for user, totals in per_person.items() if totals["calls"]}, per_week


def _add(total: Totals, counts: dict, sign: int = 1) -> None:
    for measure in MEASURES:
        total[measure] += sign * (counts[measure] or 0)


def _rolled_up_leads_per_owner(filters: DashboardFilter) -> dict[int, int]:
    rows = (
        OwnerRollup.objects.filter(rollups.of_campaign(filters))
        .values("owner")
        .annotate(n=Sum("leads"))
        .filter(n__gt=0)
        .order_by()
    )
    return {row["owner"]: row["n"] for row in rows}
