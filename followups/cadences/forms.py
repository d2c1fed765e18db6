from django import forms

from crm.models import Lead
from followups.cadences import selectors
from followups.cadences.models import Cadence


class CadenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Cadence) -> str:
        return obj.name if obj.is_active else f"{obj.name} (switched off)"


class EnrolForm(forms.Form):
    """Enrol one lead by hand: in any cadence they are not in now, on or off."""

    cadence = CadenceChoiceField(
        queryset=Cadence.objects.none(), empty_label="Choose a cadence…", label="Cadence"
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadence"].queryset = selectors.cadences_to_enrol(lead)
