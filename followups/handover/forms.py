from django import forms

from crm.models import User
from followups.handover.selectors import takers_other_than

SPREAD = "spread"


class HandoverForm(forms.Form):
    """To whom the leaving person's work goes: one person, or spread evenly."""

    to = forms.ChoiceField(
        label="Hand their leads and open touches to",
        help_text="Spreading deals the leads out in turn to every active rep, the least "
        "busy first; each lead goes with its open touches.",
    )

    def __init__(self, *args, leaving: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.takers = {str(user.pk): user for user in takers_other_than(leaving)}
        self.fields["to"].choices = [
            (SPREAD, "Spread evenly among the active reps"),
            *((pk, user.display_name) for pk, user in self.takers.items()),
        ]

    def to_user(self) -> User | None:
        """The chosen person, or None to spread the work."""
        return self.takers.get(self.cleaned_data["to"])
