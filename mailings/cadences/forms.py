"""Forms for the manager's drip pages: the drip builder (a drip with its steps and
their variants on one page), the preview and test send, and bulk enrolment."""

import re
import secrets
import string
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template import TemplateSyntaxError
from django.utils.text import slugify

from crm.models import Lead, User
from crm.selectors import leads_visible_to
from followups.models import Channel, Rule
from mailings.models import (
    Drip,
    DripStep,
    Enrolment,
    StepVariant,
    variants_differ_in_one_thing,
)
from mailings.rendering import EMAIL_MERGE_FIELDS, check_template
from mailings.richtext.forms import PlainTextWidget, RichTextWidget

MAX_STEPS = 20
OUT_OF_DATE = "The page was out of date; reload it and make the changes again."
LABELS = string.ascii_uppercase  # StepVariant.label is one letter
# Block prefixes: s<pk> an existing step, v<pk> an existing variant, n<hex> a new one.
PREFIX = re.compile(r"^(?:[sv][0-9]{1,12}|n[0-9a-f]{8})$")


def new_prefix() -> str:
    return "n" + secrets.token_hex(4)


class DripForm(forms.ModelForm):
    class Meta:
        model = Drip
        fields = [
            "name",
            "slug",
            "is_active",
            "trigger_kind",
            "trigger_campaign",
            "for_rule",
            "for_call_outcome",
            "stop_on_purchase",
        ]
        labels = {"trigger_kind": "Enrol when", "trigger_campaign": "In campaign"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Empty: made from the name. Also the List-Id."
        self.fields["for_rule"].queryset = Rule.objects.filter(channel=Channel.EMAIL)

    def clean_slug(self):
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("name", ""))[:100]
        if not slug:
            raise ValidationError("Give the drip a slug: letters, digits and hyphens.")
        return slug


class StepForm(forms.ModelForm):
    class Meta:
        model = DripStep
        fields = ["delay", "delay_unit", "delay_after"]
        labels = {"delay_unit": "Unit", "delay_after": "Counted"}


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
        return _compiles(self.cleaned_data["subject"])

    def clean_html_body(self):
        return _compiles(self.cleaned_data["html_body"])

    def clean_text_body(self):
        return _compiles(self.cleaned_data["text_body"])


def _compiles(source: str) -> str:
    try:
        check_template(source)
    except TemplateSyntaxError as error:
        raise ValidationError(f"The template does not work: {error}") from error
    return source


@dataclass
class VariantBlock:
    prefix: str
    form: VariantForm
    label: str = ""

    @property
    def instance(self) -> StepVariant:
        return self.form.instance


@dataclass
class StepBlock:
    prefix: str
    form: StepForm
    variants: list[VariantBlock] = field(default_factory=list)

    @property
    def instance(self) -> DripStep:
        return self.form.instance


def new_step_block() -> StepBlock:
    prefix = new_prefix()
    return StepBlock(prefix, StepForm(prefix=prefix), [new_variant_block()])


def new_variant_block() -> VariantBlock:
    prefix = new_prefix()
    return VariantBlock(prefix, VariantForm(prefix=prefix))


class DripBuilder:
    """The drip form and its steps, each with its variants, as one page posts them.

    Each step and variant block carries its own prefix, listed in page order in
    `steps` and `<step prefix>-variants`: blocks are added (htmx) and removed in
    the browser without renumbering anything, and the order on the page is the
    steps' order. Existing variants keep their letter; new ones take free ones.
    """

    def __init__(self, data=None, *, drip: Drip | None = None):
        self.drip = drip or Drip()
        self.form = DripForm(data, instance=self.drip)
        self.errors: list[str] = []
        self._steps = {step.pk: step for step in self._existing_steps()}
        self._variants = {
            variant.pk: variant for step in self._steps.values() for variant in step.variants.all()
        }
        self.steps = self._posted(data) if data is not None else self._initial()

    def _existing_steps(self) -> list[DripStep]:
        if self.drip.pk is None:
            return []
        return list(self.drip.steps.prefetch_related("variants"))

    def _initial(self) -> list[StepBlock]:
        blocks = [
            StepBlock(
                f"s{step.pk}",
                StepForm(instance=step, prefix=f"s{step.pk}"),
                [
                    VariantBlock(
                        f"v{variant.pk}",
                        VariantForm(instance=variant, prefix=f"v{variant.pk}"),
                        variant.label,
                    )
                    for variant in step.variants.all()
                ],
            )
            for step in self._steps.values()
        ]
        return blocks or [new_step_block()]

    def _posted(self, data) -> list[StepBlock]:
        blocks, seen = [], set()
        for prefix in data.getlist("steps"):
            if not self._usable(prefix, seen, self._steps, "s"):
                continue
            step = self._steps.get(_pk(prefix), DripStep())
            block = StepBlock(prefix, StepForm(data, instance=step, prefix=prefix))
            for vprefix in data.getlist(f"{prefix}-variants"):
                if not self._usable(vprefix, seen, _variants_of(step), "v"):
                    continue
                variant = self._variants.get(_pk(vprefix), StepVariant(label=""))
                form = VariantForm(data, instance=variant, prefix=vprefix)
                block.variants.append(VariantBlock(vprefix, form, variant.label))
            blocks.append(block)
        return blocks

    def _usable(self, prefix: str, seen: set, existing: dict, kind: str) -> bool:
        """A well-formed prefix, posted once, naming a new block or one of this drip's."""
        usable = (
            PREFIX.match(prefix)
            and prefix not in seen
            and (prefix[0] == "n" or (prefix[0] == kind and _pk(prefix) in existing))
        )
        if not usable and OUT_OF_DATE not in self.errors:
            self.errors.append(OUT_OF_DATE)
        seen.add(prefix)
        return bool(usable)

    def is_valid(self) -> bool:
        forms_valid = self.form.is_valid()
        for step in self.steps:
            forms_valid &= step.form.is_valid()
            forms_valid &= all(variant.form.is_valid() for variant in step.variants)
        self._check_shape()
        self._check_removals()
        if forms_valid:
            self._assign_labels()
            self._check_variants_differ()
        return forms_valid and not self.errors and not self.has_step_errors

    @property
    def has_step_errors(self) -> bool:
        return any(step.form.non_field_errors() for step in self.steps)

    def _check_shape(self) -> None:
        if not self.steps:
            self.errors.append("Add at least one step.")
        if len(self.steps) > MAX_STEPS:
            self.errors.append(f"A drip has at most {MAX_STEPS} steps.")
        for step in self.steps:
            if not step.variants:
                step.form.add_error(None, "Give the step an email (one variant at least).")
            if len(step.variants) > len(LABELS):
                step.form.add_error(None, f"A step has at most {len(LABELS)} variants.")

    def _check_removals(self) -> None:
        """Sent emails point at their step and variant: those stay."""
        kept_steps = {step.instance.pk for step in self.steps}
        kept_variants = {variant.instance.pk for step in self.steps for variant in step.variants}
        for step in self._removed(self._steps, kept_steps):
            self.errors.append(f"Step {step.position} has emails, so it cannot be removed.")
        for variant in self._removed(self._variants, kept_variants):
            if variant.step_id not in kept_steps:
                continue  # its step's message says it
            self.errors.append(
                f"Variant {variant.label} of step {variant.step.position} has emails, "
                "so it cannot be removed."
            )

    def _removed(self, existing: dict, kept: set) -> list:
        gone = [item for pk, item in existing.items() if pk not in kept]
        if not gone:
            return []
        model = type(gone[0])
        with_emails = set(
            model.objects.filter(pk__in=[item.pk for item in gone], emails__isnull=False)
            .values_list("pk", flat=True)
            .distinct()
        )
        return [item for item in gone if item.pk in with_emails]

    def _assign_labels(self) -> None:
        for step in self.steps:
            taken = {variant.instance.label for variant in step.variants if variant.instance.pk}
            free = iter(label for label in LABELS if label not in taken)
            for variant in step.variants:
                variant.label = variant.instance.label if variant.instance.pk else next(free, "")

    def _check_variants_differ(self) -> None:
        for step in self.steps:
            if len(step.variants) < 2:
                continue
            variants = [
                StepVariant(label=variant.label, **variant.form.cleaned_data)
                for variant in step.variants
            ]
            try:
                variants_differ_in_one_thing(variants)
            except ValidationError as error:
                step.form.add_error(None, error)

    @transaction.atomic
    def save(self) -> Drip:
        drip = self.form.save()
        kept_steps = [step.instance.pk for step in self.steps if step.instance.pk]
        kept_variants = [
            variant.instance.pk
            for step in self.steps
            for variant in step.variants
            if variant.instance.pk
        ]
        StepVariant.objects.filter(step__drip=drip).exclude(pk__in=kept_variants).delete()
        drip.steps.exclude(pk__in=kept_steps).delete()
        # Out of the way first, so renumbering never meets the unique (drip, position).
        drip.steps.update(position=F("position") + 1000)
        for position, block in enumerate(self.steps, start=1):
            step = block.form.save(commit=False)
            step.drip, step.position = drip, position
            step.save()
            for variant_block in block.variants:
                variant = variant_block.form.save(commit=False)
                variant.step, variant.label = step, variant_block.label
                variant.save()
        return drip


def _pk(prefix: str) -> int | None:
    return int(prefix[1:]) if prefix[0] in "sv" else None


def _variants_of(step: DripStep) -> dict[int, StepVariant]:
    if step.pk is None:
        return {}
    return {variant.pk: variant for variant in step.variants.all()}


class PreviewForm(forms.Form):
    """Which email of the drip, for which lead: by id, or found by a search."""

    variant = forms.ModelChoiceField(queryset=None, label="Email", empty_label=None)
    lead = forms.IntegerField(label="Lead id", required=False, min_value=1)
    q = forms.CharField(label="Find a lead", required=False, max_length=200)

    def __init__(self, *args, drip: Drip, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        variants = StepVariant.objects.filter(step__drip=drip).select_related("step")
        self.fields["variant"].queryset = variants.order_by("step__position", "label")
        self.fields["variant"].label_from_instance = _variant_choice

    def clean_lead(self) -> Lead | None:
        pk = self.cleaned_data["lead"]
        if pk is None:
            return None
        lead = leads_visible_to(self.user).select_related("owner", "source_campaign")
        found = lead.filter(pk=pk).first()
        if found is None:
            raise ValidationError("No lead has this id.")
        return found


def _variant_choice(variant: StepVariant) -> str:
    return f"Step {variant.step.position}, variant {variant.label}: {variant.subject}"


class TestSendForm(PreviewForm):
    def clean_lead(self) -> Lead:
        lead = super().clean_lead()
        if lead is None:
            raise ValidationError("Choose a lead to render the email for.")
        return lead


class BulkEnrolForm(forms.Form):
    drip = forms.ModelChoiceField(
        queryset=Drip.objects.filter(is_active=True, steps__isnull=False).distinct(),
        empty_label="Choose a drip",
    )
    expected = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class EnrolmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[*Enrolment.Status.choices, ("", "Any")], required=False, label="Status"
    )
    q = forms.CharField(label="Find a lead", required=False, max_length=200)
