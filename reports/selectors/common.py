"""What every dashboard section is filtered by, and the pieces of query they share."""

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from crm.models import Campaign

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class DashboardFilter:
    """A period [start, end) in aware datetimes, and optionally one campaign.

    The campaign filter is first-touch attribution: a lead belongs to the campaign
    it came from (its source campaign), and every section counts only such leads
    and what happened to them.

    live: read the tables themselves even where a rollup answers (the benchmark's
    baseline and the tests' reference; see reports.selectors.rollups).

    pieces: instead of the period, these intervals [start, end) (the pieces of
    days a rollup cannot answer, read live in one query and told apart by
    piece(); see reports.selectors.rollups).
    """

    start: dt.datetime
    end: dt.datetime
    campaign: Campaign | None = None
    live: bool = False
    pieces: tuple[tuple[dt.datetime, dt.datetime], ...] = ()

    @classmethod
    def for_dates(
        cls,
        first_day: dt.date,
        last_day: dt.date,
        *,
        time_zone: dt.tzinfo,
        campaign: Campaign | None = None,
    ) -> "DashboardFilter":
        """From the first day to the last day included, days in `time_zone`."""
        start = dt.datetime.combine(first_day, dt.time(), tzinfo=time_zone)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=time_zone)
        return cls(start=start, end=end, campaign=campaign)

    @classmethod
    def last_days(
        cls,
        days: int = DEFAULT_DAYS,
        *,
        now: dt.datetime | None = None,
        time_zone: dt.tzinfo = dt.UTC,
        campaign: Campaign | None = None,
    ) -> "DashboardFilter":
        """The `days` days up to and including today (in `time_zone`)."""
        today = (now or timezone.now()).astimezone(time_zone).date()
        first_day = today - dt.timedelta(days=days - 1)
        return cls.for_dates(first_day, today, time_zone=time_zone, campaign=campaign)

    @property
    def time_zone(self) -> dt.tzinfo:
        return self.start.tzinfo

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(microseconds=1)).astimezone(self.time_zone).date()

    def during(self, field: str) -> Q:
        """`field` (a datetime) falls in the period (in one of the pieces, if any)."""
        intervals = self.pieces or ((self.start, self.end),)
        return reduce(operator.or_, (_between(field, *interval) for interval in intervals))

    def piece(self, field: str) -> Case | Value:
        """The index of the piece `field` falls in (null in none); 0 without pieces
        (a constant: no grouping)."""
        if not self.pieces:
            return Value(0)
        return Case(
            *(
                When(_between(field, *interval), then=Value(index))
                for index, interval in enumerate(self.pieces)
            ),
            output_field=IntegerField(),
        )

    def of_campaign(self, lead: str = "") -> Q:
        """The lead (reached by the path `lead`, e.g. "lead__") came from the campaign."""
        if self.campaign is None:
            return Q()
        return Q(**{f"{lead}source_campaign": self.campaign})


def _between(field: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def mondays(filters: DashboardFilter) -> list[dt.date]:
    """The Monday of every week the period touches, in order (for charts by week)."""
    first = filters.start.astimezone(filters.time_zone).date()
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= filters.last_day:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def percent(part: int, whole: int) -> float | None:
    """part as a percentage of whole; None when whole is 0 (shown as a dash)."""
    return 100 * part / whole if whole else None
