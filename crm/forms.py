from datetime import timedelta

import pycountry
from django import forms
from django.conf import settings
from django.utils import timezone

from crm.contact import InvalidPhone, parse_phone, valid_time_zones
from crm.models import LEAD_PROFILE_FIELDS, Campaign, Interaction, Lead, User
from crm.outcomes import is_valid_outcome, outcome_choices
from crm.selectors import reps

COUNTRY_CHOICES = [
    ("", "—"),
    *sorted(
        ((country.alpha_2, country.name) for country in pycountry.countries), key=lambda c: c[1]
    ),
]

# Kinds a person logs by hand; the others are recorded by the system (email, letters).
MANUAL_INTERACTION_KINDS = [
    Interaction.Kind.NOTE,
    Interaction.Kind.CALL,
    Interaction.Kind.MEETING,
    Interaction.Kind.SUPPORT_CALL,
    Interaction.Kind.BOOTH_VISIT,
    Interaction.Kind.GIVEAWAY_ENTRY,
    Interaction.Kind.CONTENT_DOWNLOAD,
    Interaction.Kind.WEB_VISIT,
    Interaction.Kind.PURCHASE,
    Interaction.Kind.EMAIL_REPLIED,  # a reply seen elsewhere: ends the lead's drips
    Interaction.Kind.REFERRAL,
]


class LeadForm(forms.ModelForm):
    """Create or edit a lead. The phone is typed as people write it and read in the
    lead's country; email consent can only be withdrawn here, never granted."""

    phone_number = forms.CharField(label="Phone", required=False, max_length=64)
    country = forms.ChoiceField(choices=COUNTRY_CHOICES, required=False)
    email_opt_out = forms.BooleanField(
        label="Asked not to be emailed", required=False, help_text="Unsubscribes the lead."
    )

    class Meta:
        model = Lead
        fields = ["email", *LEAD_PROFILE_FIELDS, "stage", "owner", "do_not_call", "do_not_mail"]
        widgets = {"time_zone": forms.TextInput(attrs={"list": "time-zones"})}
        labels = {"address_line1": "Street address", "address_line2": "Address line 2"}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["phone_number"].initial = self.instance.phone_raw or self.instance.phone
            self.fields["email_opt_out"].initial = (
                self.instance.email_consent == Lead.EmailConsent.UNSUBSCRIBED
            )
        if user.is_manager:
            self.fields["owner"].queryset = reps()
            self.fields["owner"].label_from_instance = User.display_name.fget
        else:
            del self.fields["owner"]  # a rep's leads stay theirs
        self.time_zones = sorted(valid_time_zones())

    def clean_phone_number(self):
        return self.cleaned_data["phone_number"].strip()

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country") or settings.CRM_DEFAULT_COUNTRY
        try:
            cleaned["phone"] = parse_phone(cleaned.get("phone_number"), country=country)
        except InvalidPhone as exc:
            self.add_error("phone_number", str(exc))
        if not cleaned.get("email") and not cleaned.get("phone_number"):
            self.add_error("email", "Give an email address or a phone number.")
        if self._moved_without_new_time_zone():
            cleaned["time_zone"] = ""  # derived again from the new phone or address
        return cleaned

    def _moved_without_new_time_zone(self) -> bool:
        where = {"phone_number", "country", "region"}
        return bool(where & set(self.changed_data)) and "time_zone" not in self.changed_data

    def lead_fields(self) -> dict:
        """Every model field of the form, as cleaned."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}

    def profile(self) -> dict:
        """The person's profile, as find-or-create takes it."""
        return {name: self.cleaned_data[name] for name in LEAD_PROFILE_FIELDS}


class LeadCreateForm(LeadForm):
    """An existing email is not an error here: find-or-create opens that lead.
    A new lead starts as new; its stage moves with what happens."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["stage"]

    def _get_validation_exclusions(self):
        # Excluding the email skips the model's unique-email constraint, which the
        # model validation of a ModelForm checks; the form field still checks the
        # address, and find-or-create validates the lead it saves.
        return {*super()._get_validation_exclusions(), "email"}


class OutcomeSelect(forms.Select):
    """The outcomes grouped by kind, each option saying its kind (data-kind), so
    static/js/interaction_form.js can offer only the chosen kind's."""

    def __init__(self, *args, group_kinds: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.group_kinds = group_kinds

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        for group_name, options, _index in groups:
            if group_name:
                for option in options:
                    option["attrs"]["data-kind"] = self.group_kinds[group_name]
        return groups


# The kinds logged by hand that have outcomes: (kind label, its (code, label)s).
OUTCOME_KINDS = [kind for kind in MANUAL_INTERACTION_KINDS if outcome_choices(kind)]
OUTCOME_GROUPS = [(kind.label, outcome_choices(kind)) for kind in OUTCOME_KINDS]


def outcome_field() -> forms.ChoiceField:
    """One select for every kind logged by hand: an <optgroup> per kind with outcomes."""
    *kinds, last = [kind.label.lower() for kind in OUTCOME_KINDS]
    return forms.ChoiceField(
        choices=[("", "—"), *OUTCOME_GROUPS],
        required=False,
        widget=OutcomeSelect(
            attrs={"data-outcome-for": "kind"},
            group_kinds={kind.label: kind.value for kind in OUTCOME_KINDS},
        ),
        help_text=f"For a {', '.join(kinds)} or {last}.",
    )


class InteractionForm(forms.ModelForm):
    kind = forms.ChoiceField(
        choices=[(kind.value, kind.label) for kind in MANUAL_INTERACTION_KINDS]
    )
    outcome = outcome_field()
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Interaction
        fields = ["kind", "occurred_at", "campaign", "outcome", "sentiment", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on", "name")

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("An interaction is something that already happened.")
        return occurred_at

    def clean(self):
        cleaned = super().clean()
        kind, outcome = cleaned.get("kind"), cleaned.get("outcome", "")
        if kind and not is_valid_outcome(kind, outcome):
            labels = {code: label for _kind, group in OUTCOME_GROUPS for code, label in group}
            self.add_error(
                "outcome",
                f"“{labels.get(outcome, outcome)}” is not an outcome of a "
                f"{Interaction.Kind(kind).label.lower()}: pick one of its own, or none.",
            )
        return cleaned


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(
        label="Lead number to merge into this one", min_value=1, widget=forms.NumberInput()
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead

    def clean_duplicate(self):
        duplicate = self.cleaned_data["duplicate"]
        if duplicate == self.lead.pk:
            raise forms.ValidationError("A lead cannot be merged with itself.")
        return duplicate
