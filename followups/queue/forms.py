import uuid

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from crm.models import Lead
from followups.channels import Template
from followups.queue.call_backs import call_back_presets, preset_at
from followups.queue.services import OUTCOME_KEYS, Outcome

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class CallOutcomeForm(forms.Form):
    """How a call went. The call-back time is typed in the rep's own time zone, or
    picked from presets worked out in the lead's (followups.queue.call_backs): a preset
    picked wins over a typed time. "Do not call" is logged once confirmed."""

    outcome = forms.ChoiceField(choices=Outcome.choices)
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Press n to write here, Esc to go back to the keys.",
    )
    # No "min" on the input: the browser would then refuse every button while a past
    # time is typed, even those that ignore it. clean() checks it for a call back.
    call_back_at = forms.DateTimeField(
        label="Call back at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        help_text="Your time. Then press 8.",
    )
    call_back_preset = forms.ChoiceField(
        label="Or call back",
        required=False,
        widget=forms.RadioSelect,
        choices=[],
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_zone = lead.time_zone if lead else ""
        self.now = timezone.now()
        self.presets = call_back_presets(
            lead_zone=self.lead_zone, rep_zone=timezone.get_current_timezone(), now=self.now
        )
        self.fields["call_back_preset"].choices = [
            (preset.value, f"{preset.label}: {preset.description}") for preset in self.presets
        ]

    @property
    def preset_rows(self) -> list[tuple]:
        """(radio widget, preset, its time in the rep's zone as the field takes it)."""
        rep_zone = timezone.get_current_timezone()
        return [
            (radio, preset, preset.at.astimezone(rep_zone).strftime(LOCAL_MINUTE))
            for radio, preset in zip(self["call_back_preset"], self.presets, strict=True)
        ]

    @property
    def buttons(self) -> list[tuple[str, str, str]]:
        """(value, label, keyboard key) for each disposition button."""
        return [(value, label, OUTCOME_KEYS[value]) for value, label in Outcome.choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("call_back_preset") and cleaned.get("outcome") == Outcome.CALL_BACK:
            cleaned["call_back_at"] = preset_at(
                cleaned["call_back_preset"], lead_zone=self.lead_zone, now=self.now
            )
        call_back_at = cleaned.get("call_back_at")
        if cleaned.get("outcome") != Outcome.CALL_BACK:
            cleaned["call_back_at"] = None  # only a call back uses it
        elif call_back_at is not None and call_back_at <= timezone.now():
            self.add_error("call_back_at", "Pick a time in the future.")
        return cleaned

    @property
    def needs_confirming(self) -> bool:
        """ "Do not call" stops every call to the person for good: asked twice."""
        data = self.cleaned_data
        return data.get("outcome") == Outcome.DO_NOT_CALL and not data.get("confirmed")

    def outcome_fields(self) -> dict:
        """What call_log_outcome takes."""
        return {name: self.cleaned_data[name] for name in ("outcome", "notes", "call_back_at")}


class PersonalEmailForm(forms.Form):
    """A cadence's personal email as the rep sends it: their words, in plain text."""

    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        label="Your email",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text, sent from you: replies come to you. Links become clickable.",
    )


class TemplatePickForm(forms.Form):
    """The call card's email picker: which template to start from (none: the
    rep's own words)."""

    template = forms.TypedChoiceField(
        label="Start from", coerce=int, empty_value=None, required=False, choices=[]
    )

    def __init__(self, *args, templates: list[Template], **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for template in templates:
            groups.setdefault(template.group, []).append((template.pk, template.label))
        self.fields["template"].choices = [("", "Nothing: write my own"), *groups.items()]


class CardEmailForm(PersonalEmailForm):
    """An email from the call card, as the rep edited it. The key, made when the
    form is shown, sends it once however often it is submitted."""

    template = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, choices=[], widget=forms.HiddenInput
    )
    key = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, templates: list[Template], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", ""), *((t.pk, t.label) for t in templates)]
        self.fields["key"].initial = uuid.uuid4().hex


class StepSkipForm(forms.Form):
    reason = forms.CharField(
        label="Why skip it?", max_length=100, help_text="Shown on the lead's page."
    )
