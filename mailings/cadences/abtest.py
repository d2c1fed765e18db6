"""A/B tests of a cadence's email steps: what each variant got (sent, opened,
clicked, replied), a two-proportion z-test, and a verdict in plain words.

Opens and clicks by mail scanners and privacy proxies (mailings.email.machines) are
counted apart and left out of every rate and verdict."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

from django.db.models import Count, Q, Sum

from followups.cadences.models import Cadence, CadenceStep, Channel
from mailings.models import OutboxEmail

# (count, noun in the verdict), the order the report lists them in.
METRICS = (("opened", "opens"), ("clicked", "clicks"), ("replied", "replies"))
CONFIDENCE_LEVELS = (0.99, 0.95)
# Below this many sends a variant's rate is too rough for the normal approximation.
MIN_SENT = 30
NO_WINNER = "no winner yet"
EMAIL_CHANNELS = (Channel.EMAIL, Channel.PERSONAL_EMAIL)
# A personal email its rep wrote from scratch (no variant to start from).
WRITTEN_BY_REP = "—"


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
    machine_opens: int = 0  # not in opened: mailings.email.machines
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
    def tested(self) -> list[VariantStats]:
        """The variants under test: a personal email written from scratch is none."""
        return [variant for variant in self.variants if variant.label != WRITTEN_BY_REP]

    @property
    def is_test(self) -> bool:
        return len(self.tested) > 1

    @property
    def verdicts(self) -> list[tuple[str, str]]:
        return [(noun, verdict(self.tested, metric, noun)) for metric, noun in METRICS]


def email_responses() -> dict[str, Count]:
    """Of sent emails: how many, and how many of them people opened, clicked and
    replied to (machines' opens and clicks are not in opened_at and clicked_at).
    The aggregates every count of cadence emails uses: this report's, the cadence
    page's and the dashboard's."""
    return {
        "sent": Count("pk"),
        "opened": Count("pk", filter=Q(opened_at__isnull=False)),
        "clicked": Count("pk", filter=Q(clicked_at__isnull=False)),
        "replied": Count("pk", filter=Q(replied_at__isnull=False)),
    }


def variant_counts(cadence: Cadence | int) -> dict[tuple[int, int | None], dict[str, int]]:
    """Sent, opened, clicked and replied per (step id, variant id) of the cadence,
    and the opens and clicks by machines, in one query. The variant is None for
    a personal email its rep wrote without one."""
    rows = (
        OutboxEmail.objects.filter(step__cadence=cadence, status=OutboxEmail.Status.SENT)
        .values("step", "variant")
        .annotate(
            **email_responses(),
            machine_opens=Sum("machine_opens"),
            machine_clicks=Sum("machine_clicks"),
        )
        .order_by()
    )
    return {(row.pop("step"), row.pop("variant")): row for row in rows}


def step_report(step: CadenceStep, counts: dict) -> StepReport:
    """The step's variants (prefetched) with their counts from variant_counts."""
    variants = [
        VariantStats(variant.label, variant.subject, **counts.get((step.pk, variant.pk), {}))
        for variant in step.variants.all()
    ]
    unwritten = counts.get((step.pk, None))
    if unwritten:
        variants.append(VariantStats(WRITTEN_BY_REP, "Written by the rep", **unwritten))
    return StepReport(step=step, variants=variants)


def machine_counts(steps: Iterable[StepReport]) -> dict[str, int]:
    """Opens and clicks of the report's emails by mail scanners and privacy proxies
    (mailings.email.machines), which its counts leave out."""
    variants = [variant for step in steps for variant in step.variants]
    return {
        "opens": sum(variant.machine_opens for variant in variants),
        "clicks": sum(variant.machine_clicks for variant in variants),
    }


def cadence_report(cadence: Cadence) -> list[StepReport]:
    """Each email step (automatic or personal) of the cadence with its variants'
    counts. Three queries."""
    counts = variant_counts(cadence)
    steps = cadence.steps.filter(channel__in=EMAIL_CHANNELS).prefetch_related("variants")
    return [step_report(step, counts) for step in steps]
