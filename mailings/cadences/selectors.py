"""Reads for the manager's cadence pages: the list with each cadence's counts and
rates, a cadence's steps with what happened on each, and its people. Who a
cadence would enrol when switched on: mailings.cadences.joiners."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Now

from crm.models import Interaction, Lead
from crm.outcomes import CallOutcome
from crm.retargeting.models import AudienceAdLink
from crm.retargeting.selectors import ad_destinations_sync_state
from crm.selectors import lead_search
from followups.cadences.models import (
    AdRun,
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    Enrolment,
    ExitCondition,
)
from followups.cadences.triggers import exit_reason
from followups.models import Touch
from mailings.cadences.abtest import EMAIL_CHANNELS, StepReport, step_report, variant_counts
from mailings.models import OutboxEmail

# Ended by a call logged "Meeting booked" (a policy that finishes or moves on it).
CALL_MEETING_REASON = f"Call: {CallOutcome.MEETING.label}"
SKIP_REASONS_SHOWN = 3

DEFINITIONS = {
    "replied": (
        "Reply rate",
        "Of the people ever enrolled, the share who replied to one of the cadence's "
        "emails (automatic or personal), or whose enrolment ended because they replied.",
    ),
    "meetings": (
        "Meeting rate",
        "Of the people ever enrolled, the share who got a meeting while in the cadence: "
        "a meeting recorded, or a call logged “Meeting booked”, between their "
        "enrolment and its end, or an enrolment ended by a meeting.",
    ),
}


def percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# What counts as a reply and as a meeting, for an enrolment (one definition, used
# by these pages and by the dashboard: reports.selectors.cadences).


def replied() -> Q:
    """The enrolment's lead replied to one of its emails, or it ended on a reply."""
    answered = OutboxEmail.objects.filter(enrolment=OuterRef("pk"), replied_at__isnull=False)
    return Q(Exists(answered)) | Q(exit_reason=exit_reason(ExitCondition.REPLIED))


def meeting_interactions() -> Q:
    """A meeting, or a call whose outcome is a meeting booked (the queue writes
    the code in the call's data too)."""
    meeting_call = Q(outcome=CallOutcome.MEETING) | Q(data__outcome=CallOutcome.MEETING)
    return Q(kind=Interaction.Kind.MEETING) | (Q(kind=Interaction.Kind.CALL) & meeting_call)


def meetings_during(enrolment: str = "") -> QuerySet[Interaction]:
    """The meetings of the outer query's enrolment's lead while it was in the
    cadence (`enrolment` is the path to the enrolment from the outer row)."""
    return Interaction.objects.filter(
        meeting_interactions(),
        lead_id=OuterRef(f"{enrolment}lead_id"),
        occurred_at__gte=OuterRef(f"{enrolment}enrolled_at"),
        occurred_at__lte=Coalesce(OuterRef(f"{enrolment}ended_at"), Now()),
    )


def ended_by_meeting() -> Q:
    return Q(exit_reason=exit_reason(ExitCondition.MEETING)) | Q(
        exit_reason__startswith=CALL_MEETING_REASON
    )


def had_meeting() -> Q:
    return ended_by_meeting() | Q(Exists(meetings_during()))


# The list


@dataclass(frozen=True)
class EnrolmentCounts:
    active: int = 0
    paused: int = 0
    finished: int = 0
    exited: int = 0
    enrolled: int = 0
    replied: int = 0
    meetings: int = 0

    @property
    def in_it(self) -> int:
        return self.active + self.paused

    @property
    def reply_rate(self) -> float | None:
        return percent(self.replied, self.enrolled)

    @property
    def meeting_rate(self) -> float | None:
        return percent(self.meetings, self.enrolled)


def enrolment_counts(cadences: QuerySet[Cadence] | list[int]) -> dict[int, EnrolmentCounts]:
    """Each cadence's people by state, and how many replied or got a meeting. One query."""
    Status = Enrolment.Status
    rows = (
        Enrolment.objects.filter(cadence__in=cadences)
        .values("cadence")
        .annotate(
            **{
                status: Count("pk", filter=Q(status=status))
                for status in (Status.ACTIVE, Status.PAUSED, Status.FINISHED, Status.EXITED)
            },
            enrolled=Count("pk"),
            replied=Count("pk", filter=replied()),
            meetings=Count("pk", filter=had_meeting()),
        )
        .order_by()
    )
    return {row.pop("cadence"): EnrolmentCounts(**row) for row in rows}


def cadences_overview() -> list[Cadence]:
    """Every cadence with its steps, triggers and audience, and `counts`
    (EnrolmentCounts). Four queries."""
    cadences = list(
        Cadence.objects.select_related("audience").prefetch_related(
            Prefetch("steps", queryset=CadenceStep.objects.only("cadence", "position", "channel")),
            Prefetch("triggers", queryset=CadenceTrigger.objects.select_related("campaign")),
        )
    )
    counts = enrolment_counts([cadence.pk for cadence in cadences])
    for cadence in cadences:
        cadence.counts = counts.get(cadence.pk, EnrolmentCounts())
        split_triggers(cadence)
    return cadences


def cadences_for_page() -> QuerySet[Cadence]:
    return Cadence.objects.select_related("audience", "created_by").prefetch_related(
        Prefetch("triggers", queryset=CadenceTrigger.objects.select_related("campaign"))
    )


def split_triggers(cadence: Cadence) -> Cadence:
    """`starting`: the (prefetched) triggers that enrol; `ending`: those that end
    an enrolment instead."""
    triggers = list(cadence.triggers.all())
    cadence.starting = [trigger for trigger in triggers if not trigger.ends]
    cadence.ending = [trigger for trigger in triggers if trigger.ends]
    return cadence


# A cadence's steps


@dataclass
class StepSummary:
    """A step, who is on it now and what happened on it."""

    step: CadenceStep
    active: int = 0
    paused: int = 0
    done: int = 0
    skipped: int = 0
    skip_reasons: list[tuple[str, int]] = field(default_factory=list)
    call_outcomes: list[tuple[str, int]] = field(default_factory=list)
    emails: StepReport | None = None
    ads_removed: int = 0  # an ads step: leads taken off the ad audience again
    # An ads step: its destination with the platform's sync state (connection
    # status, sent, to add, to remove, the last syncs), as on an audience's page.
    ad_destination: AudienceAdLink | None = None

    @property
    def ads_showing(self) -> int:
        """An ads step's leads on its ad audience now: added, not removed yet."""
        return self.done - self.ads_removed

    @property
    def on_it(self) -> int:
        return self.active + self.paused

    @property
    def other_skips(self) -> int:
        return self.skipped - sum(count for _, count in self.skip_reasons)


def step_summaries(cadence: Cadence) -> list[StepSummary]:
    """Each step of the cadence, in order: the people on it now (active, paused),
    its touches done and skipped (with the commonest reasons), its calls by
    outcome, its emails per variant and, for ads steps, their destinations' sync
    state. Five queries, and three more with ads steps."""
    steps = list(
        cadence.steps.select_related("letter__template", "ad_link__connection").prefetch_related(
            "variants"
        )
    )
    summaries = {step.pk: StepSummary(step) for step in steps}
    on_step = (
        Enrolment.objects.filter(cadence=cadence, status__in=Enrolment.OPEN, step__isnull=False)
        .values("step", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in on_step:
        if row["step"] in summaries:
            setattr(summaries[row["step"]], row["status"], row["n"])
    _add_touches(summaries)
    ads_steps = [step for step in steps if step.channel == Channel.ADS]
    _add_ad_removals(summaries, [step.pk for step in ads_steps])
    destinations = ad_destinations_sync_state([s.ad_link_id for s in ads_steps if s.ad_link_id])
    for step in ads_steps:
        summaries[step.pk].ad_destination = destinations.get(step.ad_link_id)
    counts = variant_counts(cadence)
    for step in steps:
        if step.channel in EMAIL_CHANNELS:
            summaries[step.pk].emails = step_report(step, counts)
    return list(summaries.values())


def _add_touches(summaries: dict[int, StepSummary]) -> None:
    """Touches done and skipped per step; the outcome of calls and of skips."""
    rows = (
        Touch.objects.filter(
            step_id__in=list(summaries), status__in=(Touch.Status.DONE, Touch.Status.SKIPPED)
        )
        .values("step", "status", "channel", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    skips: dict[int, Counter] = defaultdict(Counter)
    calls: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        summary = summaries[row["step"]]
        if row["status"] == Touch.Status.SKIPPED:
            summary.skipped += row["n"]
            skips[row["step"]][row["outcome"] or "No reason given"] += row["n"]
            continue
        summary.done += row["n"]
        if row["channel"] == Channel.CALL:
            calls[row["step"]][_outcome_label(row["outcome"])] += row["n"]
    for pk, summary in summaries.items():
        summary.skip_reasons = skips[pk].most_common(SKIP_REASONS_SHOWN)
        summary.call_outcomes = calls[pk].most_common()


def _add_ad_removals(summaries: dict[int, StepSummary], ads_steps: list[int]) -> None:
    """How many each ads step's leads came off the ad audience (one query, only
    for a cadence with ads steps)."""
    if not ads_steps:
        return
    removed = (
        AdRun.objects.filter(step_id__in=ads_steps, removed_at__isnull=False)
        .values("step")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in removed:
        summaries[row["step"]].ads_removed = row["n"]


def _outcome_label(code: str) -> str:
    if code in CallOutcome.values:
        return CallOutcome(code).label
    return code or "No outcome"


# A cadence's people


class State:
    """The people list's filter: a status, or everyone in it now (the default)."""

    IN_IT = "in_it"
    ANY = "any"
    CHOICES = [
        (IN_IT, "In it now (active or paused)"),
        *Enrolment.Status.choices,
        (ANY, "Everyone ever enrolled"),
    ]


def cadence_people(cadence: Cadence, *, state: str, q: str = "") -> QuerySet[Enrolment]:
    """The cadence's enrolments in that state (State), newest first, with the lead,
    the step it is on and `next_due` (its planned touch's time)."""
    planned = Touch.objects.filter(enrolment=OuterRef("pk"), status__in=Touch.OPEN).order_by(
        "due_at"
    )
    people = cadence.enrolments.select_related("lead__owner", "step").annotate(
        next_due=Subquery(planned.values("due_at")[:1])
    )
    if state == State.IN_IT:
        people = people.filter(status__in=Enrolment.OPEN)
    elif state != State.ANY:
        people = people.filter(status=state)
    if q:
        people = people.filter(lead__in=lead_search(Lead.objects.all(), q).values("pk"))
    return people.order_by("-enrolled_at", "-pk")
