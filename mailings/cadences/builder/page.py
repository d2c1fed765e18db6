"""The cadence builder's page as one form: the cadence with its triggers, its steps
(each with its channel's content) and what call outcomes do, as the page posts
them (CadenceBuilder), checked as a whole.

Each trigger, step and variant block carries its own prefix, listed in page order
(`triggers`, `steps`, `<step prefix>-variants`): blocks are added (htmx),
reordered and removed in the browser without renumbering anything, and the order
on the page is the steps' order. A step taken off the page that people are on
stays on it as removed (`removed`), with where they go (`<prefix>-send_to`).
Repeats, jumps and "where they go" name a step by its prefix, so a reorder on
the page never makes them point at another step.
"""

import re
import string

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count

from crm.outcomes import CallOutcome
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    Enrolment,
)
from followups.cadences.policies import default_policy, policies_for
from mailings.cadences.builder.blocks import (
    PolicyRow,
    StepBlock,
    TriggerBlock,
    VariantBlock,
    step_days,
)
from mailings.cadences.builder.forms import (
    CadenceForm,
    PolicyForm,
    SendToForm,
    StepForm,
    TriggerForm,
    VariantForm,
)
from mailings.models import StepVariant, variants_differ_in_one_thing

MAX_STEPS = 30
MAX_TRIGGERS = 20
OUT_OF_DATE = "The page was out of date; reload it and make the changes again."
LABELS = string.ascii_uppercase  # StepVariant.label is one letter
# Block prefixes: s<pk> a step, v<pk> a variant, t<pk> a trigger, n<hex> a new one.
PREFIX = re.compile(r"^(?:[svt][0-9]{1,12}|n[0-9a-f]{8})$")
POLICY_OUTCOMES = [outcome for outcome in CallOutcome if outcome != CallOutcome.CALL_BACK]


class CadenceBuilder:
    """The cadence form, its triggers, its steps each with its content, the
    steps removed, and the outcome policies, as one page posts them."""

    def __init__(self, data=None, *, cadence: Cadence | None = None):
        self.cadence = cadence or Cadence()
        self.form = CadenceForm(data, instance=self.cadence)
        self.errors: list[str] = []
        self._seen: set[str] = set()  # the prefixes posted so far
        self._steps = {step.pk: step for step in self._existing_steps()}
        self._variants = {v.pk: v for step in self._steps.values() for v in step.variants.all()}
        self._triggers = {t.pk: t for t in self._existing_triggers()}
        self.people = self._people_by_step()
        self.open_count = sum(self.people.values())
        self._ref_of = {step.position: f"s{step.pk}" for step in self._steps.values()}
        if data is None:
            self.triggers, self.steps = self._initial_triggers(), self._initial_steps()
            self.removed: list[StepBlock] = []
        else:
            self.triggers, self.steps = self._posted_triggers(data), self._posted_steps(data)
            self.removed = self._posted_removed(data)
        self.policies = self._policy_rows(data)
        self._share_step_choices()
        self._label_days()

    # Loading

    def _existing_steps(self) -> list[CadenceStep]:
        if self.cadence.pk is None:
            return []
        steps = self.cadence.steps.select_related("letter__template")
        return list(steps.prefetch_related("variants").order_by("position"))

    def _existing_triggers(self) -> list[CadenceTrigger]:
        if self.cadence.pk is None:
            return []
        return list(self.cadence.triggers.order_by("pk"))

    def _people_by_step(self) -> dict[int | None, int]:
        if self.cadence.pk is None:
            return {}
        counts = (
            Enrolment.objects.filter(cadence=self.cadence, status__in=Enrolment.OPEN)
            .values("step_id")
            .annotate(people=Count("pk"))
        )
        return {row["step_id"]: row["people"] for row in counts}

    def _step_block(self, step: CadenceStep, data=None) -> StepBlock:
        prefix = f"s{step.pk}"
        initial = {"repeat_from": self._ref_of.get(step.repeat_from, "")}
        form = StepForm(data, instance=step, prefix=prefix, channel=step.channel, initial=initial)
        return StepBlock(prefix, step.channel, form, people=self.people.get(step.pk, 0))

    def _initial_steps(self) -> list[StepBlock]:
        blocks = []
        for step in self._steps.values():
            block = self._step_block(step)
            block.variants = [
                VariantBlock(f"v{v.pk}", VariantForm(instance=v, prefix=f"v{v.pk}"), v.label)
                for v in step.variants.all()
            ]
            blocks.append(block)
        return blocks

    def _initial_triggers(self) -> list[TriggerBlock]:
        return [
            TriggerBlock(f"t{t.pk}", TriggerForm(instance=t, prefix=f"t{t.pk}"))
            for t in self._triggers.values()
        ]

    def _posted_triggers(self, data) -> list[TriggerBlock]:
        blocks, seen = [], set()
        for prefix in data.getlist("triggers"):
            if self._usable(prefix, seen, self._triggers, "t"):
                trigger = self._triggers.get(_pk(prefix)) or CadenceTrigger()
                blocks.append(
                    TriggerBlock(prefix, TriggerForm(data, instance=trigger, prefix=prefix))
                )
        return blocks

    def _posted_steps(self, data) -> list[StepBlock]:
        blocks, seen = [], self._seen
        for prefix in data.getlist("steps"):
            if not self._usable(prefix, seen, self._steps, "s"):
                continue
            if prefix[0] == "s":
                block = self._step_block(self._steps[_pk(prefix)], data)
            else:
                channel = data.get(f"{prefix}-channel", "")
                if channel not in Channel.values:
                    self._out_of_date()
                    continue
                step = CadenceStep(channel=channel)
                form = StepForm(data, instance=step, prefix=prefix, channel=channel)
                block = StepBlock(prefix, channel, form)
            if block.has_variants:
                block.variants = self._posted_variants(data, block, seen)
            blocks.append(block)
        return blocks

    def _posted_variants(self, data, block: StepBlock, seen: set) -> list[VariantBlock]:
        variants = []
        for prefix in data.getlist(f"{block.prefix}-variants"):
            if not self._usable(prefix, seen, _variants_of(block.instance), "v"):
                continue
            variant = self._variants.get(_pk(prefix)) or StepVariant(label="")
            form = VariantForm(data, instance=variant, prefix=prefix)
            variants.append(VariantBlock(prefix, form, variant.label))
        return variants

    def _posted_removed(self, data) -> list[StepBlock]:
        """The saved steps not on the page any more. Those with people on them ask
        where they go (posted as removed, or asked now)."""
        kept = {block.instance.pk for block in self.steps}
        posted = set()
        for prefix in data.getlist("removed"):
            usable = self._usable(prefix, self._seen, self._steps, "s")
            if usable and prefix[0] == "s":
                posted.add(_pk(prefix))
            elif usable:
                self._out_of_date()  # a step never saved has nothing to remove
        removed = []
        for pk, step in self._steps.items():
            if pk in kept:
                continue
            block = self._step_block(step)
            block.send_to = SendToForm(
                data if pk in posted or block.people else None,
                prefix=block.prefix,
                people=block.people,
            )
            removed.append(block)
        return removed

    def _policy_rows(self, data) -> list[PolicyRow]:
        current = policies_for(self.cadence.pk) if self.cadence.pk else {}
        others = {
            str(cadence.pk): cadence
            for cadence in Cadence.objects.exclude(pk=self.cadence.pk).only("pk", "name")
        }
        rows = []
        for outcome in POLICY_OUTCOMES:
            default = default_policy(outcome)
            policy = current.get(outcome, default)
            initial = {
                "action": policy.action,
                "retry_cap": policy.retry_cap,
                "retry_wait": policy.retry_wait,
                "retry_wait_unit": policy.retry_wait_unit,
                "jump_to": self._ref_of.get(policy.jump_to, ""),
                "move_to": str(policy.move_to_id or ""),
            }
            form = PolicyForm(data, prefix=f"policy-{outcome}", initial=initial, others=others)
            rows.append(PolicyRow(outcome, form, default, stored=policy.pk is not None))
        return rows

    def _usable(self, prefix: str, seen: set, existing: dict, kind: str) -> bool:
        """A well-formed prefix, posted once, naming a new block or one of this cadence's."""
        usable = (
            PREFIX.match(prefix)
            and prefix not in seen
            and (prefix[0] == "n" or (prefix[0] == kind and _pk(prefix) in existing))
        )
        if not usable:
            self._out_of_date()
        seen.add(prefix)
        return bool(usable)

    def _out_of_date(self) -> None:
        if OUT_OF_DATE not in self.errors:
            self.errors.append(OUT_OF_DATE)

    def _share_step_choices(self) -> None:
        """Every "which step" select offers the steps on the page, in their order."""
        choices = self.step_choices()
        forms_with_choices = [block.form for block in self.steps]
        forms_with_choices += [block.send_to for block in self.removed]
        forms_with_choices += [row.form for row in self.policies]
        for form in forms_with_choices:
            form.set_step_choices(choices)

    def step_choices(self) -> list[tuple[str, str]]:
        return [
            (block.prefix, f"step {number} ({block.channel_label.lower()})")
            for number, block in enumerate(self.steps, start=1)
        ]

    def _label_days(self) -> None:
        """From the waits as typed where they are valid, else as saved."""
        drafts = []
        for block in self.steps:
            step = block.instance
            valid = block.form.is_bound and block.form.is_valid()
            values = block.form.cleaned_data if valid else {}
            drafts.append(
                CadenceStep(
                    channel=block.channel,
                    wait=values.get("wait", step.wait),
                    wait_unit=values.get("wait_unit", step.wait_unit),
                    wait_after=values.get("wait_after", step.wait_after),
                    at_local_time=values.get("at_local_time", step.at_local_time),
                )
            )
        for block, day in zip(self.steps, step_days(drafts), strict=True):
            block.day = day

    # Checking

    @property
    def has_calls(self) -> bool:
        return any(block.channel == Channel.CALL for block in self.steps)

    def _forms(self) -> list[forms.BaseForm]:
        found: list[forms.BaseForm] = [self.form]
        found += [block.form for block in self.triggers]
        for block in self.steps:
            found.append(block.form)
            found += [variant.form for variant in block.variants]
        found += [block.send_to for block in self.removed if block.send_to.is_bound]
        if self.has_calls:
            found += [row.form for row in self.policies]
        return found

    def is_valid(self) -> bool:
        # Every form, not up to the first invalid one: each shows its errors.
        forms_valid = all([form.is_valid() for form in self._forms()])  # noqa: C419
        self._check_shape()
        self._check_removals()
        if forms_valid:
            self._assign_labels()
            self._check_variants_differ()
            self._check_repeats()
        return not self.errors and not any(form.errors for form in self._forms())

    def _check_shape(self) -> None:
        if not self.steps:
            self.errors.append("Add at least one step.")
        if len(self.steps) > MAX_STEPS:
            self.errors.append(f"A cadence has at most {MAX_STEPS} steps.")
        if len(self.triggers) > MAX_TRIGGERS:
            self.errors.append(f"A cadence has at most {MAX_TRIGGERS} triggers.")
        for block in self.steps:
            if block.has_variants and not block.variants:
                block.form.add_error(None, "Write the email (one variant at least).")
            if len(block.variants) > len(LABELS):
                block.form.add_error(None, f"A step has at most {len(LABELS)} variants.")

    def _check_removals(self) -> None:
        """Sent emails point at their step and variant (the A/B report): those stay."""
        gone = [block.instance for block in self.removed]
        for step in _with_emails(CadenceStep, gone):
            self.errors.append(
                f"Step {step.position} has sent emails, so it cannot be removed; "
                "keep it, or make it go on at once."
            )
        kept_steps = {block.instance.pk for block in self.steps}
        kept_variants = {v.instance.pk for block in self.steps for v in block.variants}
        dropped = [
            variant
            for pk, variant in self._variants.items()
            if pk not in kept_variants and variant.step_id in kept_steps
        ]
        for variant in _with_emails(StepVariant, dropped):
            self.errors.append(
                f"Variant {variant.label} of step {self._steps[variant.step_id].position} "
                "has sent emails, so it cannot be removed."
            )

    def _assign_labels(self) -> None:
        for block in self.steps:
            taken = {v.instance.label for v in block.variants if v.instance.pk}
            free = iter(label for label in LABELS if label not in taken)
            for variant in block.variants:
                variant.label = variant.instance.label if variant.instance.pk else next(free, "")

    def _check_variants_differ(self) -> None:
        for block in self.steps:
            if len(block.variants) < 2:
                continue
            variants = [
                StepVariant(label=variant.label, **variant.form.cleaned_data)
                for variant in block.variants
            ]
            try:
                variants_differ_in_one_thing(variants)
            except ValidationError as error:
                block.form.add_error(None, error)

    def _check_repeats(self) -> None:
        order = {block.prefix: number for number, block in enumerate(self.steps, start=1)}
        for number, block in enumerate(self.steps, start=1):
            target = block.form.cleaned_data.get("repeat_from")
            if target and order[target] > number:
                block.form.add_error(
                    "repeat_from", "Go back to this step or one before it (a later one: a jump)."
                )


def _pk(prefix: str) -> int | None:
    return int(prefix[1:]) if prefix[0] in "svt" else None


def _variants_of(step: CadenceStep) -> dict[int, StepVariant]:
    if step.pk is None:
        return {}
    return {variant.pk: variant for variant in step.variants.all()}


def _with_emails(model, items: list) -> list:
    if not items:
        return []
    pks = [item.pk for item in items]
    with_emails = set(
        model.objects.filter(pk__in=pks, emails__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    return [item for item in items if item.pk in with_emails]
