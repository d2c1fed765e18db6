"""The builder page's blocks: a step, a variant, a trigger and an outcome policy
row, each with its form and its prefix (s<pk>, v<pk>, t<pk>, or n<hex> for a new
one), the new blocks the page adds (htmx), and the steps grouped by day."""

import math
import secrets
from dataclasses import dataclass, field

from crm.outcomes import CallOutcome
from followups.cadences.models import (
    CadenceStep,
    Channel,
    OutcomePolicy,
    WaitUnit,
)
from mailings.cadences.builder.forms import (
    PolicyForm,
    SendToForm,
    StepForm,
    TriggerForm,
    VariantForm,
)
from mailings.models import StepVariant

EMAIL_CHANNELS = (Channel.EMAIL, Channel.PERSONAL_EMAIL)


def new_prefix() -> str:
    return "n" + secrets.token_hex(4)


@dataclass
class VariantBlock:
    prefix: str
    form: VariantForm
    label: str = ""

    @property
    def instance(self) -> StepVariant:
        return self.form.instance


@dataclass(frozen=True)
class Day:
    """Roughly which day after enrolment a step comes (business days and months
    counted as days, so "about")."""

    number: int
    about: bool

    def __str__(self) -> str:
        return f"{'About day' if self.about else 'Day'} {self.number}"


@dataclass
class StepBlock:
    prefix: str
    channel: str
    form: StepForm
    variants: list[VariantBlock] = field(default_factory=list)
    people: int = 0  # open enrolments on it now
    send_to: SendToForm | None = None  # when removed
    day: Day | None = None

    @property
    def instance(self) -> CadenceStep:
        return self.form.instance

    @property
    def removed(self) -> bool:
        return self.send_to is not None

    @property
    def removal_form(self) -> SendToForm:
        """Where those on it go, as the page asks it when the step is removed."""
        return self.send_to or SendToForm(prefix=self.prefix, people=self.people)

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label

    @property
    def has_variants(self) -> bool:
        return self.channel in EMAIL_CHANNELS


@dataclass
class TriggerBlock:
    prefix: str
    form: TriggerForm


@dataclass
class PolicyRow:
    outcome: CallOutcome
    form: PolicyForm
    default: OutcomePolicy
    stored: bool

    @property
    def default_text(self) -> str:
        default = self.default
        text = default.get_action_display()
        if default.action == OutcomePolicy.Action.RETRY:
            unit = default.get_retry_wait_unit_display()
            if default.retry_wait == 1:
                unit = unit.removesuffix("s")
            text += f": {default.retry_cap} tries in all, {default.retry_wait} {unit} apart"
        return text


def new_step_block(channel: str) -> StepBlock:
    prefix = new_prefix()
    step = CadenceStep(channel=channel)
    if channel == Channel.CALL:
        step.wait, step.wait_unit = 1, WaitUnit.BUSINESS_DAYS
    elif channel != Channel.TASK:
        step.wait, step.wait_unit = 1, WaitUnit.DAYS
    block = StepBlock(prefix, channel, StepForm(instance=step, prefix=prefix, channel=channel))
    if channel in EMAIL_CHANNELS:
        block.variants.append(new_variant_block())
    return block


def new_variant_block() -> VariantBlock:
    prefix = new_prefix()
    return VariantBlock(prefix, VariantForm(prefix=prefix))


def new_trigger_block() -> TriggerBlock:
    prefix = new_prefix()
    return TriggerBlock(prefix, TriggerForm(prefix=prefix))


def step_days(steps: list[CadenceStep]) -> list[Day]:
    """Each step's day after enrolment, by the waits (the timeline's labels)."""
    per_unit = {
        WaitUnit.MINUTES: 1 / 1440,
        WaitUnit.HOURS: 1 / 24,
        WaitUnit.DAYS: 1,
        WaitUnit.BUSINESS_DAYS: 1,
        WaitUnit.MONTHS: 30,
    }
    days, offset, about = [], 0.0, False
    for step in steps:
        if step.wait_after == CadenceStep.After.ENROLMENT:
            offset, about = 0.0, False
        offset += (step.wait or 0) * per_unit.get(step.wait_unit, 1)
        rough_unit = step.wait and step.wait_unit in (WaitUnit.BUSINESS_DAYS, WaitUnit.MONTHS)
        about = about or bool(rough_unit) or step.at_local_time is not None
        days.append(Day(math.floor(offset + 1e-9), about))
    return days
