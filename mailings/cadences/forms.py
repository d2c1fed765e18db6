"""Forms of the manager's cadence pages (the builder's are in builder/forms.py):
the people list's filter, enrolling in bulk, and switching a cadence on."""

from django import forms
from django.db.models import Exists, OuterRef

from followups.cadences.models import Cadence, CadenceStep
from mailings.cadences.selectors import State

RECENT_DAYS = 7
MAX_RECENT_DAYS = 365
CHANGED = "The number of leads changed since you looked: check and confirm."


class PeopleFilterForm(forms.Form):
    state = forms.ChoiceField(choices=State.CHOICES, required=False, label="State")
    q = forms.CharField(label="Find a lead", required=False, max_length=200)

    def clean_state(self) -> str:
        return self.cleaned_data["state"] or State.IN_IT


class CadenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cadence: Cadence) -> str:
        return cadence.name if cadence.is_active else f"{cadence.name} (switched off)"


def cadences_with_steps():
    return Cadence.objects.filter(Exists(CadenceStep.objects.filter(cadence=OuterRef("pk"))))


class BulkEnrolForm(forms.Form):
    cadence = CadenceChoiceField(queryset=None, empty_label="Choose a cadence")
    expected = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadence"].queryset = cadences_with_steps()  # read per form


class SwitchOnForm(forms.Form):
    """Switch a cadence on, and enrol those whose trigger happened in the last days
    (or not): the page shows how many first, and `expected` is that count."""

    RECENT, NONE = "recent", "none"

    days = forms.IntegerField(
        label="Trigger in the last (days)",
        min_value=1,
        max_value=MAX_RECENT_DAYS,
        initial=RECENT_DAYS,
    )
    enrol = forms.ChoiceField(
        choices=[(RECENT, "Enrol them"), (NONE, "Enrol nobody from before")],
        required=False,
        widget=forms.HiddenInput,
    )
    expected = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enrol") == self.RECENT and cleaned.get("expected") is None:
            raise forms.ValidationError("Check the count first, then confirm.")
        return cleaned


class EnrolEventForm(forms.Form):
    """Enrol those already at one of the cadence's events: `expected` is the count
    the page showed."""

    campaign = forms.IntegerField(widget=forms.HiddenInput)
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
