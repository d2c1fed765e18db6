"""A/B tests of a drip step's variants: what each variant got (sent, opened,
clicked, replied), a two-proportion z-test, and a verdict in plain words."""

import math
from dataclasses import dataclass
from statistics import NormalDist

from django.db.models import Count, Q, Sum

from followups.cadences.models import Cadence, CadenceStep
from mailings.models import OutboxEmail

# (count, noun in the verdict), the order the report lists them in.
METRICS = (("opened", "opens"), ("clicked", "clicks"), ("replied", "replies"))
CONFIDENCE_LEVELS = (0.99, 0.95)
# Below this many sends a variant's rate is too rough for the normal approximation.
MIN_SENT = 30
NO_WINNER = "no winner yet"


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float  # two-sided


def two_proportion_z_test(hits_a: int, n_a: int, hits_b: int, n_b: int) -> ZTest:
    """Does B's rate (hits_b / n_b) differ from A's? z > 0 when B is higher.
    Uses the pooled proportion, as the null hypothesis says both rates are equal."""
    if not n_a or not n_b:
        return ZTest(0.0, 1.0)
    pooled = (hits_a + hits_b) / (n_a + n_b)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if standard_error == 0:
        return ZTest(0.0, 1.0)  # both 0% or both 100%: nothing to tell apart
    z = (hits_b / n_b - hits_a / n_a) / standard_error
    # The lower tail keeps digits that 1 - cdf(|z|) loses to rounding.
    return ZTest(z, 2 * NormalDist().cdf(-abs(z)))


@dataclass(frozen=True)
class VariantStats:
    label: str
    subject: str
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    machine_opens: int = 0  # not in opened: mailings.machines
    machine_clicks: int = 0

    def rate(self, metric: str) -> float | None:
        return getattr(self, metric) / self.sent if self.sent else None

    @property
    def cells(self) -> list[tuple[int, float | None]]:
        """(count, percentage of sent) for each metric, in the report's order."""
        return [
            (getattr(self, metric), None if self.sent == 0 else 100 * self.rate(metric))
            for metric, _ in METRICS
        ]


def verdict(variants: list[VariantStats], metric: str, noun: str) -> str:
    """ "B leads on clicks, 95% confidence" when the best variant beats every other
    one at that confidence; "no winner yet" otherwise (or with too few sends)."""
    if len(variants) < 2 or any(variant.sent < MIN_SENT for variant in variants):
        return NO_WINNER
    best = max(variants, key=lambda variant: variant.rate(metric))
    weakest = max(
        two_proportion_z_test(
            getattr(other, metric), other.sent, getattr(best, metric), best.sent
        ).p_value
        for other in variants
        if other is not best
    )
    for level in CONFIDENCE_LEVELS:
        if weakest < 1 - level:
            return f"{best.label} leads on {noun}, {level:.0%} confidence"
    return NO_WINNER


@dataclass(frozen=True)
class StepReport:
    step: CadenceStep
    variants: list[VariantStats]

    @property
    def is_test(self) -> bool:
        return len(self.variants) > 1

    @property
    def verdicts(self) -> list[tuple[str, str]]:
        return [(noun, verdict(self.variants, metric, noun)) for metric, noun in METRICS]


def email_responses() -> dict[str, Count]:
    """Of sent emails: how many, and how many of them people opened, clicked and
    replied to (machines' opens and clicks are not in opened_at and clicked_at).
    The aggregates every count of drip emails uses, this report's and the
    dashboard's."""
    return {
        "sent": Count("pk"),
        "opened": Count("pk", filter=Q(opened_at__isnull=False)),
        "clicked": Count("pk", filter=Q(clicked_at__isnull=False)),
        "replied": Count("pk", filter=Q(replied_at__isnull=False)),
    }


def variant_counts(drip: Cadence) -> dict[int, dict[str, int]]:
    """Sent, opened, clicked and replied per variant id of the drip, and the opens
    and clicks by machines, in one query."""
    rows = (
        OutboxEmail.objects.filter(step__cadence=drip, status=OutboxEmail.Status.SENT)
        .values("variant")
        .annotate(
            **email_responses(),
            machine_opens=Sum("machine_opens"),
            machine_clicks=Sum("machine_clicks"),
        )
        .order_by()
    )
    return {row.pop("variant"): row for row in rows}


def machine_counts(steps: list[StepReport]) -> dict[str, int]:
    """Opens and clicks of the report's emails by mail scanners and privacy proxies
    (mailings.machines), which its counts leave out."""
    variants = [variant for step in steps for variant in step.variants]
    return {
        "opens": sum(variant.machine_opens for variant in variants),
        "clicks": sum(variant.machine_clicks for variant in variants),
    }


def drip_report(drip: Cadence) -> list[StepReport]:
    """Each step of the drip with its variants' counts. Three queries."""
    counts = variant_counts(drip)
    return [
        StepReport(
            step=step,
            variants=[
                VariantStats(variant.label, variant.subject, **counts.get(variant.pk, {}))
                for variant in step.variants.all()
            ],
        )
        for step in drip.steps.prefetch_related("variants")
    ]
