from django import forms
from django.db.models import TextChoices

from crm.models import User
from followups.team_selectors import assignable_people, open_touches_of


class Scope(TextChoices):
    SELECTED = "selected", "The selected touches (the leads keep their owner)"
    SELECTED_LEADS = "selected_leads", "The selected touches' leads, with all their open touches"
    ALL_TOUCHES = "all_touches", "Every open touch in this list, not only this page"
    ALL_LEADS = "all_leads", "Every lead this person owns, with all their open touches"


class ReassignForm(forms.Form):
    """Move work away from one person (None: the unassigned touches)."""

    scope = forms.ChoiceField(
        choices=Scope.choices, initial=Scope.SELECTED, widget=forms.RadioSelect, label="Move"
    )
    touches = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": "A selected touch is no longer open here; reload and try again."
        },
    )
    to_user = forms.ModelChoiceField(queryset=None, label="To", empty_label="Choose a person")

    def __init__(self, *args, from_user: User | None, **kwargs):
        super().__init__(*args, **kwargs)
        # Validation only: the page renders the checkboxes for the touches it shows.
        self.fields["touches"].queryset = open_touches_of(from_user)
        people = assignable_people()
        self.fields["to_user"].queryset = people.exclude(pk=from_user.pk) if from_user else people
        self.fields["to_user"].label_from_instance = lambda person: person.display_name
        if from_user is None:
            self.fields["scope"].choices = Scope.choices[:3]

    def clean(self):
        data = super().clean()
        selected = data.get("scope") in (Scope.SELECTED, Scope.SELECTED_LEADS)
        if selected and not data.get("touches"):
            self.add_error("touches", "Select the touches to move.")
        return data
