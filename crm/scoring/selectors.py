"""Reads for scoring: why a lead has its score (its scored interactions per kind,
in one query), and what the settings page shows: each kind's rule and worth,
how the scores are spread, the highest-scored leads."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import Interaction, Lead, User
from crm.roles import require_manager
from crm.scoring.decay import (
    decayed_points,
    decayed_points_sql,
    now_param,
    round_score,
    scored_interactions_sql,
)
from crm.scoring.models import ScoringRule

WORTH_AGES_DAYS = (7, 30, 90)  # the settings page shows what an interaction this old is worth

# How the settings page spreads the scores; the bounds are inclusive.
SCORE_BUCKETS = (
    ("Below 0", Q(score__lt=0)),
    ("0", Q(score=0)),
    ("1\N{EN DASH}19", Q(score__range=(1, 19))),
    ("20\N{EN DASH}49", Q(score__range=(20, 49))),
    ("50\N{EN DASH}99", Q(score__range=(50, 99))),
    ("100 and over", Q(score__gte=100)),
)

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
    "letter_returned": ("returned letter", "returned letters"),
    "meeting": ("meeting", "meetings"),
    "support_call": ("support call", "support calls"),
    "referral": ("referral", "referrals"),
    "app_event": ("app event", "app events"),
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


# The settings page


@dataclass(frozen=True)
class RuleRow:
    """One kind of interaction on the settings page: its rule (None: it scores
    nothing) and what one interaction is worth at each of WORTH_AGES_DAYS."""

    kind: str
    label: str
    rule: ScoringRule | None
    worth: tuple[float, ...]


def kind_label(kind: str) -> str:
    """The kind as people read it ("Booth visit"); a rule left from a kind the code
    no longer declares shows its stored value."""
    return dict(Interaction.Kind.choices).get(kind, kind)


def scoring_rule_rows() -> list[RuleRow]:
    """Every kind of interaction, those with a rule first, each group in the order
    the kinds are declared; rules for kinds no longer declared come last."""
    rules = {rule.kind: rule for rule in ScoringRule.objects.all()}
    declared = Interaction.Kind.values
    kinds = [kind for kind in declared if kind in rules]
    kinds += sorted(kind for kind in rules if kind not in declared)
    kinds += [kind for kind in declared if kind not in rules]
    return [_rule_row(kind, rules.get(kind)) for kind in kinds]


def _rule_row(kind: str, rule: ScoringRule | None) -> RuleRow:
    worth = tuple(_worth_after(rule, days) for days in WORTH_AGES_DAYS)
    return RuleRow(kind=kind, label=kind_label(kind), rule=rule, worth=worth)


def _worth_after(rule: ScoringRule | None, days: int) -> float:
    """What one interaction `days` old counts now: nothing without an active rule."""
    if rule is None or not rule.is_active:
        return 0.0
    return decayed_points(rule.points, rule.half_life_days, dt.timedelta(days=days))


def get_scoring_rule_for_user(user: User, pk: int) -> ScoringRule:
    """The rule for a manager (403 for anyone else), or 404."""
    require_manager(user, "Lead scoring settings")
    return get_object_or_404(ScoringRule, pk=pk)


@dataclass(frozen=True)
class ScoreBucketCount:
    label: str
    leads: int
    percent: float  # of all the leads counted


def score_spread(leads: QuerySet[Lead]) -> list[ScoreBucketCount]:
    """How many leads score in each of SCORE_BUCKETS, in one query."""
    counts = leads.aggregate(
        total=Count("pk"),
        **{f"bucket_{n}": Count("pk", filter=q) for n, (_, q) in enumerate(SCORE_BUCKETS)},
    )
    total = counts["total"] or 1  # no leads: every bucket is 0 of 0, shown as 0%
    return [
        ScoreBucketCount(label, counts[f"bucket_{n}"], 100 * counts[f"bucket_{n}"] / total)
        for n, (label, _) in enumerate(SCORE_BUCKETS)
    ]


def top_scored_leads(leads: QuerySet[Lead], *, size: int) -> list[Lead]:
    """The highest scores above 0, the older lead first on a tie."""
    top = leads.filter(score__gt=0).select_related("owner").order_by("-score", "pk")
    return list(top[:size])
