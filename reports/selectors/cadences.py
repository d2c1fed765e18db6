"""Cadence performance in the period: each cadence's emails and what they got (with
the A/B verdicts of the steps that test variants), unsubscribes, calls and meetings."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Q, Sum

from followups.cadences.models import Channel, Enrolment, ExitCondition
from followups.cadences.triggers import exit_reason
from followups.models import Touch
from mailings.cadences.abtest import METRICS, VariantStats, email_responses, verdict
from mailings.cadences.selectors import ended_by_meeting, meetings_during
from mailings.models import OutboxEmail, StepVariant
from reports.models import CadenceRollup, EmailRollup
from reports.selectors import rollups
from reports.selectors.common import DashboardFilter, percent
from reports.selectors.rollups import period, rolled_up

# The reason followups.cadences.triggers.enrolments_exit_for_lead gives an enrolment
# an unsubscribe ends (mailings.email.services.email_unsubscribe; a spam complaint
# unsubscribes first, so it ends with it too).
UNSUBSCRIBED = exit_reason(ExitCondition.UNSUBSCRIBED)
EMAIL_METRICS = ("sent", "opened", "clicked", "replied")

DEFINITIONS = {
    "sent": ("Sent", "Emails of the cadence, automatic and personal, sent in the period."),
    "opened": (
        "Opened",
        "Of those, opened since by a person (a click counts as an open; mail "
        "scanners' and privacy proxies' opens are left out).",
    ),
    "clicked": ("Clicked", "Of those, with a link clicked since."),
    "replied": ("Replied", "Of those, replied to since."),
    "unsubscribed": (
        "Unsubscribed",
        "Enrolments in the cadence ended by an unsubscribe (or a spam complaint) in "
        "the period; a person in two cadences who unsubscribes counts in both.",
    ),
    "calls": ("Calls", "Calls of the cadence's call steps logged in the period."),
    "meetings": (
        "Meetings",
        "Enrolments in the cadence with a meeting in the period: a meeting recorded, "
        "or a call logged “Meeting booked”, while the person was in it, or the "
        "enrolment ended by a meeting.",
    ),
    "verdicts": (
        "A/B verdicts",
        "For each email step with two or more variants, a two-proportion z-test on "
        "the emails sent in the period (the cadence's page uses all of them): a "
        "variant leads when it beats every other one at 95% or 99% confidence; with "
        "fewer than 30 emails sent per variant there is no winner yet.",
    ),
}


@dataclass(frozen=True)
class AbTest:
    position: int  # the step's
    variants: list[VariantStats]

    @property
    def verdicts(self) -> list[tuple[str, str]]:
        """(metric noun, verdict in words), e.g. ("clicks", "B leads on clicks, 95% confidence")."""
        return [(noun, verdict(self.variants, metric, noun)) for metric, noun in METRICS]


@dataclass(frozen=True)
class CadenceRow:
    cadence_id: int
    name: str
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    unsubscribed: int = 0
    calls: int = 0
    meetings: int = 0
    tests: tuple[AbTest, ...] = ()

    def rate(self, metric: str) -> float | None:
        return percent(getattr(self, metric), self.sent)

    @property
    def opened_rate(self) -> float | None:
        return self.rate("opened")

    @property
    def clicked_rate(self) -> float | None:
        return self.rate("clicked")

    @property
    def replied_rate(self) -> float | None:
        return self.rate("replied")


def cadence_performance(filters: DashboardFilter) -> list[CadenceRow]:
    """Each cadence that sent an email, lost a subscriber, made a call or got a
    meeting in the period, busiest first: emails sent in the period and how many
    of them were opened, clicked and replied to (so far), unsubscribes, calls and
    meetings in the period, and its A/B verdicts computed by
    mailings.cadences.abtest on the period's emails. Five queries (four when
    nothing happened), and outside UTC one more for each section read from a
    rollup (the pieces of days)."""
    names: dict[int, str] = {}
    counts = _counts_per_variant(filters, names)
    unsubscribed = _unsubscribes(filters, names)
    calls = _calls(filters, names)
    meetings = _meetings(filters, names)
    if not names:
        return []
    tests = _tests(names, counts)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(EMAIL_METRICS, 0))
    for (cadence, _step, _variant), row in counts.items():
        for metric in EMAIL_METRICS:
            totals[cadence][metric] += row[metric]
    rows = [
        CadenceRow(
            cadence,
            name,
            **totals[cadence],
            unsubscribed=unsubscribed.get(cadence, 0),
            calls=calls.get(cadence, 0),
            meetings=meetings.get(cadence, 0),
            tests=tests.get(cadence, ()),
        )
        for cadence, name in names.items()
    ]
    return sorted(rows, key=lambda row: (-row.sent, -row.calls, row.name))


Counts = dict[tuple[int, int, int | None], dict[str, int]]


def _counts_per_variant(filters: DashboardFilter, names: dict[int, str]) -> Counts:
    """The counts per (cadence, step, variant) id; names the cadences. On
    PostgreSQL from the daily rollup (reports.models.EmailRollup) and the pieces
    of days it cannot answer read live."""
    if not rolled_up(filters):
        return _live_counts_per_variant(filters, names)
    when = period(filters)
    rows = (
        EmailRollup.objects.filter(
            when.rollup_days(), rollups.of_campaign(filters), step__isnull=False
        )
        .values("step", "variant", cadence=F("step__cadence"), name=F("step__cadence__name"))
        .annotate(**{f"n_{metric}": Sum(metric) for metric in EMAIL_METRICS})
        .order_by()
    )
    counts: Counts = {}
    found: dict[int, str] = {}
    for row in rows:
        found[row["cadence"]] = row["name"]
        key = (row["cadence"], row["step"], row["variant"])
        counts[key] = {metric: row[f"n_{metric}"] or 0 for metric in EMAIL_METRICS}
    if pieces := rollups.pieces(filters, when):
        for row in _variant_rows(pieces):
            found[row["cadence"]] = row["name"]
            key = (row["cadence"], row["step"], row["variant"])
            total = counts.setdefault(key, dict.fromkeys(EMAIL_METRICS, 0))
            for metric in EMAIL_METRICS:
                total[metric] += when.pieces[row["piece"]].sign(0) * row[metric]
    counts = {key: row for key, row in counts.items() if row["sent"]}
    for cadence, _step, _variant in counts:
        names[cadence] = found[cadence]
    return counts


def _live_counts_per_variant(filters: DashboardFilter, names: dict[int, str]) -> Counts:
    counts = {}
    for row in _variant_rows(filters):
        names[row["cadence"]] = row["name"]
        counts[(row["cadence"], row["step"], row["variant"])] = {
            metric: row[metric] for metric in EMAIL_METRICS
        }
    return counts


def _variant_rows(filters: DashboardFilter):
    """The emails' counts per cadence, step and variant (and piece)."""
    return (
        OutboxEmail.objects.filter(
            filters.during("sent_at"),
            filters.of_campaign("lead__"),
            status=OutboxEmail.Status.SENT,
            step__isnull=False,  # a rep's email from the call card is no cadence's
        )
        .values(
            "step",
            "variant",
            cadence=F("step__cadence"),
            name=F("step__cadence__name"),
            piece=filters.piece("sent_at"),
        )
        .annotate(**email_responses())
        .order_by()
    )


def _tests(names: dict[int, str], counts: dict) -> dict[int, tuple[AbTest, ...]]:
    """The A/B tests of the cadences: their steps with two or more variants."""
    variants = (
        StepVariant.objects.filter(step__cadence__in=names)
        .values("pk", "label", "subject", "step", "step__position", "step__cadence")
        .order_by("step__position", "label")
    )
    steps: dict[int, dict[int, list[VariantStats]]] = defaultdict(lambda: defaultdict(list))
    for variant in variants:
        cadence, step = variant["step__cadence"], variant["step"]
        stats = counts.get((cadence, step, variant["pk"]), {})
        steps[cadence][variant["step__position"]].append(
            VariantStats(variant["label"], variant["subject"], **stats)
        )
    return {
        cadence: tuple(
            AbTest(position, step) for position, step in sorted(by.items()) if len(step) > 1
        )
        for cadence, by in steps.items()
    }


def _per_cadence(rows, names: dict[int, str]) -> dict[int, int]:
    """{cadence id: n} of rows with cadence, name and n; names the cadences."""
    found = {}
    for row in rows:
        names.setdefault(row["cadence"], row["name"])
        found[row["cadence"]] = row["n"]
    return found


def _unsubscribes(filters: DashboardFilter, names: dict[int, str]) -> dict[int, int]:
    """Enrolments ended by an unsubscribe in the period, per cadence: on PostgreSQL
    from the daily rollup (reports.models.CadenceRollup) and the pieces of days it
    cannot answer read live."""
    if rolled_up(filters):
        return _rolled_up_per_cadence(filters, names, "unsubscribed", _unsubscribe_rows)
    return _per_cadence(_unsubscribe_rows(filters), names)


def _unsubscribe_rows(filters: DashboardFilter):
    return (
        Enrolment.objects.filter(
            filters.during("ended_at"),
            filters.of_campaign("lead__"),
            status=Enrolment.Status.EXITED,
            exit_reason=UNSUBSCRIBED,
        )
        .values("cadence", name=F("cadence__name"), piece=filters.piece("ended_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )


def _calls(filters: DashboardFilter, names: dict[int, str]) -> dict[int, int]:
    """Calls of the cadences' call steps done in the period, per cadence: on
    PostgreSQL from the daily rollup (reports.models.CadenceRollup) and the pieces
    of days it cannot answer read live."""
    if rolled_up(filters):
        return _rolled_up_per_cadence(filters, names, "calls", _call_rows)
    return _per_cadence(_call_rows(filters), names)


def _call_rows(filters: DashboardFilter):
    return (
        Touch.objects.filter(
            filters.during("completed_at"),
            filters.of_campaign("lead__"),
            channel=Channel.CALL,
            status=Touch.Status.DONE,
            enrolment__isnull=False,
        )
        .values(
            cadence=F("enrolment__cadence"),
            name=F("enrolment__cadence__name"),
            piece=filters.piece("completed_at"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _rolled_up_per_cadence(
    filters: DashboardFilter, names: dict[int, str], measure: str, live_rows
) -> dict[int, int]:
    """{cadence id: n} of the rollup's `measure`, with the pieces of days read by
    `live_rows` (rows with cadence, name, piece and n); names the cadences."""
    when = period(filters)
    rows = (
        CadenceRollup.objects.filter(when.rollup_days(), rollups.of_campaign(filters))
        .values("cadence", name=F("cadence__name"))
        .annotate(n=Sum(measure))
        .order_by()
    )
    counts: dict[int, int] = defaultdict(int)
    found = {}
    for row in rows:
        found[row["cadence"]] = row["name"]
        counts[row["cadence"]] += row["n"]
    if pieces := rollups.pieces(filters, when):
        for row in live_rows(pieces):
            found[row["cadence"]] = row["name"]
            counts[row["cadence"]] += when.pieces[row["piece"]].sign(0) * row["n"]
    counted = {cadence: n for cadence, n in counts.items() if n}
    for cadence in counted:
        names.setdefault(cadence, found[cadence])
    return counted


def _meetings(filters: DashboardFilter, names: dict[int, str]) -> dict[int, int]:
    """Enrolments with a meeting in the period (mailings.cadences.selectors says
    what a meeting of an enrolment is)."""
    in_period = meetings_during().filter(filters.during("occurred_at"))
    rows = (
        Enrolment.objects.filter(filters.of_campaign("lead__"), enrolled_at__lt=filters.end)
        .exclude(ended_at__lt=filters.start)
        .filter(Q(Exists(in_period)) | (ended_by_meeting() & filters.during("ended_at")))
        .values("cadence", name=F("cadence__name"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _per_cadence(rows, names)
