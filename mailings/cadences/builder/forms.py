"""Forms of the cadence builder: the cadence with its triggers, its steps (each with
its channel's content: A/B email variants, a letter template, a call's talking
points, a task) and what call outcomes do, as one page posts them; the preview
and the test send.

Each trigger, step and variant block carries its own prefix, listed in page order
(`triggers`, `steps`, `<step prefix>-variants`): blocks are added (htmx),
reordered and removed in the browser without renumbering anything, and the order
on the page is the steps' order. A step taken off the page that people are on
stays on it as removed (`removed`), with where they go (`<prefix>-send_to`).
Repeats, jumps and "where they go" name a step by its prefix, so a reorder on
the page never makes them point at another step.
"""

import math
import re
import secrets
import string
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, Q
from django.utils.text import slugify

from crm.audiences.models import Audience
from crm.models import Interaction, Lead, User
from crm.outcomes import CallOutcome
from crm.retargeting.selectors import ad_destinations
from crm.roles import Role
from crm.selectors import leads_visible_to
from followups.assigning import people_with_role
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    Enrolment,
    ExitCondition,
    OutcomePolicy,
    WaitUnit,
    default_exits,
)
from followups.cadences.policies import default_policy, policies_for
from mailings.cadences.builder.services import CadenceDraft, PolicyDraft, StepDraft
from mailings.letters.models import LetterTemplate, Paper
from mailings.models import StepVariant, variants_differ_in_one_thing
from mailings.rendering import EMAIL_MERGE_FIELDS, email_template_problems
from mailings.richtext.forms import PlainTextWidget, RichTextWidget

MAX_STEPS = 30
MAX_TRIGGERS = 20
MAX_WAIT = 999
MAX_AD_DAYS = 365
OUT_OF_DATE = "The page was out of date; reload it and make the changes again."
LABELS = string.ascii_uppercase  # StepVariant.label is one letter
# Block prefixes: s<pk> a step, v<pk> a variant, t<pk> a trigger, n<hex> a new one.
PREFIX = re.compile(r"^(?:[svt][0-9]{1,12}|n[0-9a-f]{8})$")
EMAIL_CHANNELS = (Channel.EMAIL, Channel.PERSONAL_EMAIL)
SCRIPT_CHANNELS = (Channel.CALL, Channel.TASK)  # a script and a queue priority
FINISH = "finish"
POLICY_OUTCOMES = [outcome for outcome in CallOutcome if outcome != CallOutcome.CALL_BACK]


def new_prefix() -> str:
    return "n" + secrets.token_hex(4)


def _checked(source: str) -> str:
    if problems := email_template_problems(source):
        raise ValidationError(problems)
    return source


# The cadence


class CadenceForm(forms.ModelForm):
    exit_on = forms.MultipleChoiceField(
        choices=ExitCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="It ends for a lead when",
    )

    class Meta:
        model = Cadence
        fields = [
            "name",
            "slug",
            "description",
            "exit_on",
            "assign",
            "reps",
            "audience",
            "exit_on_audience_leave",
        ]
        labels = {
            "assign": "Calls, personal emails and tasks go to",
            "reps": "The reps",
            "audience": "Enrol whoever is in the audience",
            "exit_on_audience_leave": "Leaving the audience ends it",
        }
        help_texts = {
            "audience": "Those in it now and whoever joins later, while the cadence is on.",
            "exit_on_audience_leave": "",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "reps": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Empty: made from the name. Also its emails' List-Id."
        reps = people_with_role(Role.REP).order_by("first_name", "last_name", "pk")
        self.fields["reps"].queryset = reps
        self.fields["reps"].label_from_instance = lambda user: user.display_name
        audiences = Q(is_active=True) | Q(pk=self.instance.audience_id or 0)
        self.fields["audience"].queryset = Audience.objects.filter(audiences)
        self.fields["audience"].empty_label = "None: triggers and people enrol them"
        if self.instance.pk is None:
            self.initial["exit_on"] = default_exits()

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("name", ""))[:100]
        if not slug:
            raise ValidationError("Give the cadence a slug: letters, digits and hyphens.")
        return slug

    def clean(self):
        data = super().clean()
        if data.get("assign") == Cadence.Assign.REPS and not data.get("reps"):
            self.add_error("reps", "Choose the reps, or give the work to the lead's owner.")
        if data.get("exit_on_audience_leave") and not data.get("audience"):
            self.add_error("exit_on_audience_leave", "Choose the audience first.")
        return data


class TriggerForm(forms.ModelForm):
    class Meta:
        model = CadenceTrigger
        fields = [
            "kind",
            "campaign",
            "sentiment",
            "data_key",
            "data_value",
            "first_of_kind",
            "ends",
        ]
        labels = {
            "kind": "When there is a",
            "campaign": "In the campaign",
            "data_key": "Whose data field",
            "data_value": "Has the value",
            "first_of_kind": "Only the lead's first of its kind",
            "ends": "It ends the cadence instead",
        }
        help_texts = {
            "sentiment": "",
            "data_key": "",
            "data_value": "E.g. name is signed_up.",
            "ends": "For those in it, rather than enrolling anyone.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].empty_label = "Any campaign"
        self.fields["sentiment"].choices = [("", "Any"), *Interaction.Sentiment.choices]

    def clean(self):
        data = super().clean()
        key, value = data.get("data_key"), data.get("data_value")
        if key and not value:
            self.add_error("data_value", "Give the value the field must have.")
        if value and not key:
            self.add_error("data_key", "Give the field the value is in.")
        return data


# Steps


class StepForm(forms.ModelForm):
    """A step's wait, and what its channel needs: a call's talking points or a
    task's text (with a queue priority), a letter's template."""

    repeat_from = forms.ChoiceField(
        required=False,
        label="Then",
        widget=forms.Select(attrs={"data-step-choice": "Go back to %s"}),
        help_text="Going back makes a reminder that repeats.",
    )
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.none(),
        label="Letter template",
        empty_label="Choose a letter template",
        error_messages={"required": "Choose the letter this step sends."},
    )

    class Meta:
        model = CadenceStep
        fields = [
            "wait",
            "wait_unit",
            "wait_after",
            "at_local_time",
            "priority",
            "script",
            "ad_link",
            "ad_days",
        ]
        labels = {
            "ad_link": "Show ads in",
            "ad_days": "For (days)",
            "wait": "Wait",
            "wait_unit": "Unit",
            "wait_after": "Counted",
            "at_local_time": "At (their time)",
            "priority": "Priority",
        }
        help_texts = {"at_local_time": "Optional: on or after this time of day."}
        widgets = {
            "wait": forms.NumberInput(attrs={"min": 0, "max": MAX_WAIT}),
            "at_local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "script": forms.Textarea(attrs={"rows": 3}),
            "ad_days": forms.NumberInput(attrs={"min": 1, "max": MAX_AD_DAYS}),
        }

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["wait"].validators.append(MaxValueValidator(MAX_WAIT))
        self.fields["repeat_from"].choices = [("", "Go on to the next step")]
        if channel not in SCRIPT_CHANNELS:
            del self.fields["priority"], self.fields["script"]
        elif channel == Channel.CALL:
            self.fields["script"].label = "Talking points"
            self.fields["script"].help_text = "What the rep sees when the call comes up."
        else:
            self.fields["script"].label = "What to do"
            self.fields["script"].help_text = "E.g. Connect on LinkedIn; send the sample."
            self.fields["script"].required = True
            self.fields["script"].error_messages["required"] = "Say what the task is."
        if channel == Channel.LETTER:
            current = getattr(self.instance, "letter", None) if self.instance.pk else None
            chosen = Q(is_active=True) | Q(pk=current.template_id if current else 0)
            self.fields["template"].queryset = LetterTemplate.objects.filter(chosen)
            self.initial.setdefault("template", current.template_id if current else None)
        else:
            del self.fields["template"]
        if channel == Channel.ADS:
            self._ads_fields()
        else:
            del self.fields["ad_link"], self.fields["ad_days"]

    def _ads_fields(self) -> None:
        """Which destination (crm.retargeting: an ad audience cadences feed) and
        for how many days."""
        link, days = self.fields["ad_link"], self.fields["ad_days"]
        link.queryset = ad_destinations()
        link.required = True
        link.empty_label = "Choose an ad audience"
        link.error_messages["required"] = "Choose the ad audience the ads are shown in."
        link.help_text = "An ad audience for cadences, added under Settings → Ad connections."
        days.required = True
        days.error_messages["required"] = "Say for how many days, 1 to 365."
        days.validators += [MinValueValidator(1), MaxValueValidator(MAX_AD_DAYS)]
        days.help_text = "Then they come off it; the next step does not wait for this."

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["repeat_from"].choices = [
            ("", "Go on to the next step"),
            *((prefix, f"Go back to {label}") for prefix, label in choices),
        ]


class VariantForm(forms.ModelForm):
    class Meta:
        model = StepVariant
        fields = ["subject", "html_body", "text_body"]
        labels = {"html_body": "HTML body", "text_body": "Text body"}
        widgets = {
            "html_body": RichTextWidget(merge_fields=EMAIL_MERGE_FIELDS),
            "text_body": PlainTextWidget(html_field="html_body"),
        }

    def clean_subject(self):
        return _checked(self.cleaned_data["subject"])

    def clean_html_body(self):
        return _checked(self.cleaned_data["html_body"])

    def clean_text_body(self):
        return _checked(self.cleaned_data["text_body"])


class SendToForm(forms.Form):
    """Where those on a removed step go."""

    send_to = forms.ChoiceField(
        label="Those on it go to", widget=forms.Select(attrs={"data-step-choice": "%s"})
    )

    def __init__(self, *args, people: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["send_to"].required = people > 0
        self.fields["send_to"].error_messages["required"] = (
            f"{people} {'person is' if people == 1 else 'people are'} on this step: "
            "say where they go."
        )
        self.set_step_choices([])

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["send_to"].choices = [
            ("", "Choose…"),
            *choices,
            (FINISH, "Nowhere: the cadence ends for them"),
        ]


class PolicyForm(forms.Form):
    """What one call outcome does to the cadence."""

    action = forms.ChoiceField(choices=OutcomePolicy.Action.choices, label="What happens")
    retry_cap = forms.IntegerField(min_value=1, max_value=20, label="Tries in all")
    retry_wait = forms.IntegerField(min_value=0, max_value=MAX_WAIT, label="Next try after")
    retry_wait_unit = forms.ChoiceField(choices=WaitUnit.choices, label="Unit")
    jump_to = forms.ChoiceField(
        required=False, label="Jump to", widget=forms.Select(attrs={"data-step-choice": "%s"})
    )
    move_to = forms.ChoiceField(required=False, label="Move to")

    def __init__(self, *args, others: dict[str, Cadence], **kwargs):
        super().__init__(*args, **kwargs)
        self.others = others
        choices = [(pk, cadence.name) for pk, cadence in others.items()]
        self.fields["move_to"].choices = [("", "—"), *choices]
        self.set_step_choices([])

    def clean_move_to(self) -> Cadence | None:
        return self.others.get(self.cleaned_data["move_to"])

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["jump_to"].choices = [("", "—"), *choices]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == OutcomePolicy.Action.JUMP and not data.get("jump_to"):
            self.add_error("jump_to", "Choose the step to jump to.")
        if action == OutcomePolicy.Action.MOVE and not data.get("move_to"):
            self.add_error("move_to", "Choose the cadence to move them to.")
        return data


# The page's blocks


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

    # Saving

    def draft(self) -> CadenceDraft:
        """What is_valid() checked, for cadence_build (services)."""
        cadence = self.form.save(commit=False)
        changed = set(self.form.changed_data)
        return CadenceDraft(
            cadence=cadence,
            reps=list(self.form.cleaned_data["reps"]),
            triggers=[block.form.save(commit=False) for block in self.triggers],
            steps=[self._step_draft(block) for block in self.steps],
            removed=[(block.instance, _send_to(block)) for block in self.removed],
            policies=[_policy_draft(row) for row in self.policies] if self.has_calls else None,
            sync_audience=bool(
                cadence.audience_id and changed & {"audience", "exit_on_audience_leave"}
            ),
        )

    def _step_draft(self, block: StepBlock) -> StepDraft:
        step = block.form.save(commit=False)
        variants = []
        for variant_block in block.variants:
            variant = variant_block.form.save(commit=False)
            variant.label = variant_block.label
            variants.append(variant)
        data = block.form.cleaned_data
        return StepDraft(
            step=step,
            ref=block.prefix,
            repeat_ref=data.get("repeat_from", ""),
            variants=variants,
            template=data.get("template"),
        )


def _send_to(block: StepBlock) -> str:
    """The step those on a removed one go to ("" or FINISH: none)."""
    return block.send_to.cleaned_data.get("send_to", "") if block.send_to.is_bound else ""


def _policy_draft(row: PolicyRow) -> PolicyDraft:
    data = row.form.cleaned_data
    return PolicyDraft(
        outcome=row.outcome,
        action=data["action"],
        retry_cap=data["retry_cap"],
        retry_wait=data["retry_wait"],
        retry_wait_unit=data["retry_wait_unit"],
        jump_ref=data.get("jump_to", ""),
        move_to=data.get("move_to"),
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


# Preview and test send


class PreviewForm(forms.Form):
    """Which email variant or letter step of the cadence, for which lead: by id, or
    found by a search."""

    item = forms.ChoiceField(label="Email or letter")
    lead = forms.IntegerField(label="Lead id", required=False, min_value=1)
    q = forms.CharField(label="Find a lead", required=False, max_length=200)
    paper = forms.ChoiceField(label="Letter paper", choices=Paper.choices, required=False)

    def __init__(self, *args, cadence: Cadence, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.variants = {
            f"v{variant.pk}": variant
            for variant in StepVariant.objects.filter(step__cadence=cadence)
            .select_related("step")
            .order_by("step__position", "label")
        }
        self.letters = {
            f"l{step.pk}": step
            for step in cadence.steps.filter(channel=Channel.LETTER, letter__isnull=False)
            .select_related("letter__template")
            .order_by("position")
        }
        choices = [(key, _variant_choice(v)) for key, v in self.variants.items()]
        choices += [(key, _letter_choice(step)) for key, step in self.letters.items()]
        choices.sort(key=lambda choice: _position_of(self, choice[0]))
        self.fields["item"].choices = choices

    def clean_item(self) -> StepVariant | CadenceStep:
        key = self.cleaned_data["item"]
        return self.variants.get(key) or self.letters[key]

    def clean_lead(self) -> Lead | None:
        pk = self.cleaned_data["lead"]
        if pk is None:
            return None
        leads = leads_visible_to(self.user).select_related("owner", "source_campaign")
        found = leads.filter(pk=pk).first()
        if found is None:
            raise ValidationError("No lead has this id.")
        return found


def _position_of(form: PreviewForm, key: str) -> tuple[int, str]:
    if key in form.variants:
        variant = form.variants[key]
        return variant.step.position, variant.label
    return form.letters[key].position, ""


def _variant_choice(variant: StepVariant) -> str:
    channel = variant.step.get_channel_display().lower()
    return f"Step {variant.step.position} ({channel}), variant {variant.label}: {variant.subject}"


def _letter_choice(step: CadenceStep) -> str:
    return f"Step {step.position} (letter): {step.letter.template}"


class LetterPreviewForm(forms.Form):
    """A letter step of the cadence as a PDF for one lead."""

    step = forms.ModelChoiceField(queryset=CadenceStep.objects.none())
    lead = forms.IntegerField(min_value=1)
    paper = forms.ChoiceField(choices=[], required=False)

    def __init__(self, *args, cadence: Cadence, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        letters = cadence.steps.filter(channel=Channel.LETTER, letter__isnull=False)
        self.fields["step"].queryset = letters.select_related("letter__template")
        self.fields["paper"].choices = Paper.choices

    def clean_lead(self) -> Lead:
        leads = leads_visible_to(self.user).select_related("owner", "source_campaign")
        found = leads.filter(pk=self.cleaned_data["lead"]).first()
        if found is None:
            raise ValidationError("No lead has this id.")
        return found


class TestSendForm(forms.Form):
    variant = forms.ModelChoiceField(queryset=StepVariant.objects.none())
    lead = forms.IntegerField(min_value=1, error_messages={"required": "Choose a lead."})

    def __init__(self, *args, cadence: Cadence, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        variants = StepVariant.objects.filter(step__cadence=cadence).select_related("step")
        self.fields["variant"].queryset = variants

    def clean_lead(self) -> Lead:
        leads = leads_visible_to(self.user).select_related("owner", "source_campaign")
        found = leads.filter(pk=self.cleaned_data["lead"]).first()
        if found is None:
            raise ValidationError("No lead has this id.")
        return found
