"""How a section reads a count from its daily rollup (reports.models) and stays
exact for any time zone.

Rollups count per UTC day. A period (and each of its weeks, for the charts by
week) is cut at instants that are local midnights, which in most time zones are
not UTC midnights. Each such boundary is moved to the nearest UTC midnight for
the rollup's days, and what lies between the true boundary and the moved one (at
most 12 hours) is read live from the tables with their time indexes, then added
to the segment it belongs to and taken from the one the rollup gave it to. Every
piece of a section is read by one query over all of them, grouped by piece (a
query per boundary made 25 queries for a 90-day period in Berlin: 1.0 s at a
million leads). For a manager in UTC nothing is read live; for one in Berlin,
an hour or two per boundary.

On SQLite (where the triggers that keep the rollups do not exist), or with
DashboardFilter.live (the benchmark's baseline, the tests' reference), the
sections read the live tables only.
"""

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Q

from reports.selectors.common import DashboardFilter

HALF_DAY = dt.timedelta(hours=12)


def rolled_up(filters: DashboardFilter) -> bool:
    """Whether the rollups answer for these filters."""
    return not filters.live and connection.vendor == "postgresql"


@dataclass(frozen=True)
class Piece:
    """[start, end), read live: its counts go to segment `add_to` and come off
    segment `take_from` (an index outside the segments means outside the period)."""

    start: dt.datetime
    end: dt.datetime
    add_to: int
    take_from: int

    def sign(self, segment: int) -> int:
        return (segment == self.add_to) - (segment == self.take_from)


@dataclass(frozen=True)
class Split:
    days: list[dt.date]  # segment i is the UTC days [days[i], days[i + 1])
    pieces: list[Piece]

    def segment(self, day: dt.date) -> int:
        return bisect_right(self.days, day) - 1

    def rollup_days(self, field: str = "day") -> Q:
        return Q(**{f"{field}__gte": self.days[0], f"{field}__lt": self.days[-1]})


def nearest_midnight(moment: dt.datetime) -> dt.datetime:
    utc = moment.astimezone(dt.UTC)
    midnight = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if utc - midnight <= HALF_DAY else midnight + dt.timedelta(days=1)


def split(boundaries: list[dt.datetime]) -> Split:
    """Segments between consecutive boundaries (in order): the rollup's days of
    each, and the pieces to read live."""
    moved = [nearest_midnight(moment) for moment in boundaries]
    pieces = []
    for index, (true, near) in enumerate(zip(boundaries, moved, strict=True)):
        if near > true:  # [true, near) is segment index's, the rollup gave it to index - 1
            pieces.append(Piece(true, near, index, index - 1))
        elif near < true:  # [near, true) is segment index - 1's, the rollup gave it to index
            pieces.append(Piece(near, true, index - 1, index))
    return Split([moment.date() for moment in moved], pieces)


def pieces(filters: DashboardFilter, when: Split) -> DashboardFilter | None:
    """The filters that read every piece of `when` in one query (a row's piece
    index, DashboardFilter.piece, says which); None when there is none (UTC)."""
    if not when.pieces:
        return None
    return replace(filters, pieces=tuple((piece.start, piece.end) for piece in when.pieces))


def period(filters: DashboardFilter) -> Split:
    """The period as one segment."""
    return split([filters.start, filters.end])


def of_campaign(filters: DashboardFilter, *, every_lead: bool = False) -> Q:
    """Rollup rows of the filters' campaign. every_lead: the rollup keeps rows for
    every lead under a null campaign (calls), read when no campaign is chosen."""
    if filters.campaign is None:
        return Q(campaign__isnull=True) if every_lead else Q()
    return Q(campaign=filters.campaign)
