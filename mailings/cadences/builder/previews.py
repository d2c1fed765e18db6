"""The builder's preview and test send: which step, variant or letter to show, for
which lead, and to whom a test goes."""

from django import forms
from django.core.exceptions import ValidationError

from crm.models import Lead, User
from crm.selectors import leads_visible_to
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    Channel,
)
from mailings.letters.models import Paper
from mailings.models import StepVariant


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
