"""The decay arithmetic, once in Python and once in SQL, so the database can sum
the decayed points of many leads without sending their interactions over.

An interaction worth `points` counts points * 0.5^(age_days / half_life_days):
half after one half-life, a quarter after two. A half-life of 0 never decays. An
interaction dated in the future counts as new (age 0).
"""

import datetime as dt
import math

from django.db import connection

from crm.models import Interaction
from crm.scoring.models import ScoringRule

SECONDS_PER_DAY = 86_400
MAX_HALF_LIVES = 60


def decayed_points(points: int, half_life_days: int, age: dt.timedelta) -> float:
    if half_life_days == 0:
        return float(points)
    age_days = max(age.total_seconds(), 0) / SECONDS_PER_DAY
    return points * 0.5 ** min(age_days / half_life_days, MAX_HALF_LIVES)


def round_score(value: float) -> int:
    """Halves round up (2.5 → 3, -2.5 → -2) in Python and SQL alike."""
    return math.floor(value + 0.5)


def _half_lives_sql() -> str:
    """How many half-lives old interaction `i` is under rule `r` at the bound `now`:
    never negative, and at most MAX_HALF_LIVES (beyond, PostgreSQL's POWER would
    underflow to an error; the points left are below 1e-18 anyway)."""
    if connection.vendor == "postgresql":
        seconds = (
            "CAST(EXTRACT(EPOCH FROM (CAST(%s AS timestamp with time zone) - i.occurred_at))"
            " AS double precision)"
        )
        return (
            f"LEAST(GREATEST({seconds}, 0) / {SECONDS_PER_DAY} / r.half_life_days,"
            f" {MAX_HALF_LIVES})"
        )
    # SQLite stores UTC text; Django registers POWER on connections whose SQLite lacks it.
    days = "MAX(julianday(%s) - julianday(i.occurred_at), 0)"
    return f"MIN({days} / r.half_life_days, {MAX_HALF_LIVES})"


def decayed_points_sql() -> str:
    """The decayed points of one interaction `i` under its rule `r`; one parameter: now."""
    return (
        "CASE WHEN r.half_life_days = 0 THEN r.points "
        f"ELSE r.points * POWER(0.5, {_half_lives_sql()}) END"
    )


def scored_interactions_sql() -> str:
    """FROM and JOIN for a lead's interactions with an active rule (`i`, `r`); one
    parameter: True (is_active)."""
    quote = connection.ops.quote_name
    return (
        f"FROM {quote(Interaction._meta.db_table)} i "
        f"JOIN {quote(ScoringRule._meta.db_table)} r ON r.kind = i.kind AND r.is_active = %s"
    )


def now_param(now: dt.datetime):
    return connection.ops.adapt_datetimefield_value(now)
