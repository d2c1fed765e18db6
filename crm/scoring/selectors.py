"""Why a lead has its score: its scored interactions per kind, in one query."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import Interaction, Lead
from crm.scoring.decay import decayed_points_sql, now_param, round_score, scored_interactions_sql

# How a count of each kind reads: "2 booth visits".
KIND_NOUNS = {
    "call": ("call", "calls"),
    "booth_visit": ("booth visit", "booth visits"),
    "giveaway_entry": ("giveaway entry", "giveaway entries"),
    "web_visit": ("web visit", "web visits"),
    "content_download": ("content download", "content downloads"),
    "cart_add": ("cart addition", "cart additions"),
    "checkout_started": ("checkout started", "checkouts started"),
    "cart_abandoned": ("abandoned cart", "abandoned carts"),
    "purchase": ("purchase", "purchases"),
    "email_sent": ("email sent", "emails sent"),
    "email_opened": ("email opened", "emails opened"),
    "email_clicked": ("email click", "email clicks"),
    "email_replied": ("email reply", "email replies"),
    "email_bounced": ("bounced email", "bounced emails"),
    "letter_mailed": ("letter mailed", "letters mailed"),
    "meeting": ("meeting", "meetings"),
    "support_call": ("support call", "support calls"),
    "referral": ("referral", "referrals"),
    "note": ("note", "notes"),
}


@dataclass(frozen=True)
class ScoreLine:
    """The interactions of one kind: how many, worth what new and now, the latest."""

    kind: str
    count: int
    points_each: int
    half_life_days: int
    raw_points: int
    points_now: float
    last_at: dt.datetime

    @property
    def label(self) -> str:
        one, many = KIND_NOUNS.get(self.kind, (Interaction.Kind(self.kind).label.lower(),) * 2)
        return f"{self.count} {one if self.count == 1 else many}"

    @property
    def points_now_rounded(self) -> int:
        return round_score(self.points_now)

    def __str__(self) -> str:
        return f"{self.label} ({self.points_now_rounded:+d})"


@dataclass(frozen=True)
class ScoreBreakdown:
    lines: list[ScoreLine]  # the most points now first

    @property
    def total(self) -> int:
        return round_score(sum(line.points_now for line in self.lines))

    def __str__(self) -> str:
        """e.g. "Score 63: 2 booth visits (+38), 1 purchase (+25)"."""
        if not self.lines:
            return f"Score {self.total}"
        return f"Score {self.total}: " + ", ".join(str(line) for line in self.lines)


def score_breakdown(lead: Lead, now: dt.datetime | None = None) -> ScoreBreakdown:
    """The lead's score as of `now`, per interaction kind with an active rule."""
    now = now or timezone.now()
    sql = (
        f"SELECT i.kind, COUNT(*), MAX(i.occurred_at), SUM({decayed_points_sql()}), "
        f"r.points, r.half_life_days {scored_interactions_sql()} "
        "WHERE i.lead_id = %s GROUP BY i.kind, r.points, r.half_life_days"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now_param(now), True, lead.pk])
        rows = cursor.fetchall()
    lines = [
        ScoreLine(
            kind=kind,
            count=count,
            points_each=points,
            half_life_days=half_life_days,
            raw_points=count * points,
            points_now=float(points_now),
            last_at=_as_datetime(last_at),
        )
        for kind, count, last_at, points_now, points, half_life_days in rows
    ]
    lines.sort(key=lambda line: (-abs(line.points_now), line.kind))
    return ScoreBreakdown(lines)


def _as_datetime(value) -> dt.datetime:
    """A raw MAX(datetime) as an aware datetime (SQLite returns UTC text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
