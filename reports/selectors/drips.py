"""Drip performance in the period, with the A/B verdicts of the steps that test variants."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F

from followups.cadences.models import Enrolment, ExitCondition
from followups.cadences.triggers import exit_reason
from mailings.cadences.abtest import METRICS, VariantStats, email_responses, verdict
from mailings.models import OutboxEmail, StepVariant
from reports.selectors.common import DashboardFilter, percent

# mailings.services.email_unsubscribe ends enrolments with this reason (spam
# complaints unsubscribe first, so they end with it too).
UNSUBSCRIBED = exit_reason(ExitCondition.UNSUBSCRIBED)

DEFINITIONS = {
    "sent": ("Sent", "Emails of the drip sent in the period."),
    "opened": (
        "Opened",
        "Of those, opened since by a person (a click counts as an open; mail "
        "scanners' and privacy proxies' opens are left out).",
    ),
    "clicked": ("Clicked", "Of those, with a link clicked since."),
    "replied": ("Replied", "Of those, replied to since."),
    "unsubscribed": (
        "Unsubscribed",
        "Enrolments in the drip ended by an unsubscribe (or a "
        "spam complaint) in the period; a person in two drips who "
        "unsubscribes counts in both.",
    ),
    "verdicts": (
        "A/B verdicts",
        "For each step with two or more variants, a two-proportion "
        "z-test on the emails sent in the period (the drip's A/B report uses all "
        "of them): a variant leads when it beats every other one at 95% or 99% "
        "confidence; with fewer than 30 emails sent per variant there is no "
        "winner yet.",
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
class DripRow:
    drip_id: int
    name: str
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    unsubscribed: int = 0
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


def drip_performance(filters: DashboardFilter) -> list[DripRow]:
    """Each drip that sent an email or lost a subscriber in the period, busiest first:
    emails sent in the period and how many of them were opened, clicked and replied
    to (so far), unsubscribes in the period, and its A/B verdicts computed by
    mailings.abtest on the period's emails. Three queries (two when nothing happened):
    counts per variant, unsubscribes per drip, the variants of those drips."""
    counts, names = _counts_per_variant(filters)
    unsubscribed = _unsubscribes_per_drip(filters, names)
    if not names:
        return []
    variants = (
        StepVariant.objects.filter(step__cadence__in=names)
        .values("pk", "label", "subject", "step__position", "step__cadence")
        .order_by("step__position", "label")
    )
    steps = defaultdict(lambda: defaultdict(list))
    for variant in variants:
        stats = counts.get(variant["pk"], {})
        steps[variant["step__cadence"]][variant["step__position"]].append(
            VariantStats(variant["label"], variant["subject"], **stats)
        )
    rows = [
        _drip_row(drip, name, steps[drip], unsubscribed.get(drip, 0))
        for drip, name in names.items()
    ]
    return sorted(rows, key=lambda row: (-row.sent, row.name))


def _drip_row(
    drip_id: int, name: str, steps: dict[int, list[VariantStats]], unsubscribed: int
) -> DripRow:
    variants = [variant for step in steps.values() for variant in step]
    totals = {
        metric: sum(getattr(variant, metric) for variant in variants)
        for metric in ("sent", "opened", "clicked", "replied")
    }
    tests = tuple(
        AbTest(position, step) for position, step in sorted(steps.items()) if len(step) > 1
    )
    return DripRow(drip_id, name, **totals, unsubscribed=unsubscribed, tests=tests)


def _counts_per_variant(
    filters: DashboardFilter,
) -> tuple[dict[int, dict[str, int]], dict[int, str]]:
    """The counts per variant id, and the names of the drips by id."""
    rows = (
        OutboxEmail.objects.filter(
            filters.during("sent_at"), filters.of_campaign("lead__"), status=OutboxEmail.Status.SENT
        )
        .values("variant", drip=F("step__cadence"), name=F("step__cadence__name"))
        .annotate(**email_responses())
        .order_by()
    )
    counts, names = {}, {}
    for row in rows:
        names[row.pop("drip")] = row.pop("name")
        counts[row.pop("variant")] = row
    return counts, names


def _unsubscribes_per_drip(filters: DashboardFilter, names: dict[int, str]) -> dict[int, int]:
    """Unsubscribes per drip id; adds the drips not named yet to `names`."""
    rows = (
        Enrolment.objects.filter(
            filters.during("ended_at"),
            filters.of_campaign("lead__"),
            status=Enrolment.Status.EXITED,
            exit_reason=UNSUBSCRIBED,
        )
        .values(drip=F("cadence"), name=F("cadence__name"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        names.setdefault(row["drip"], row["name"])
    return {row["drip"]: row["n"] for row in rows}
