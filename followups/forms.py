from django import forms
from django.utils import timezone

from followups.calls import OUTCOME_KEYS, Outcome

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class CallOutcomeForm(forms.Form):
    """How a call went. The call-back time is typed in the rep's own time zone."""

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

    @property
    def buttons(self) -> list[tuple[str, str, str]]:
        """(value, label, keyboard key) for each disposition button."""
        return [(value, label, OUTCOME_KEYS[value]) for value, label in Outcome.choices]

    def clean(self):
        cleaned = super().clean()
        call_back_at = cleaned.get("call_back_at")
        if cleaned.get("outcome") != Outcome.CALL_BACK:
            cleaned["call_back_at"] = None  # only a call back uses it
        elif call_back_at is not None and call_back_at <= timezone.now():
            self.add_error("call_back_at", "Pick a time in the future.")
        return cleaned


class PersonalEmailForm(forms.Form):
    """A cadence's personal email as the rep sends it: their words, in plain text."""

    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        label="Your email",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text, sent from you: replies come to you. Links become clickable.",
    )


class StepSkipForm(forms.Form):
    reason = forms.CharField(
        label="Why skip it?", max_length=100, help_text="Shown on the lead's page."
    )
