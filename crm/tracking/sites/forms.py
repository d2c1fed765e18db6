"""The managers' forms for a tracked website: adding or editing it, and turning
tracking on or off."""

from django import forms

from crm.tracking.models import Site
from crm.tracking.origins import origins_clean


class SiteForm(forms.Form):
    """A tracked website as a manager adds or edits it (crm.tracking.sites.services.site_save)."""

    name = forms.CharField(max_length=200, help_text="How the site is named in the CRM.")
    origins = forms.CharField(
        label="Allowed origins",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "https://www.example.com"}),
        help_text="One per line: the addresses the site's pages are served from, "
        "e.g. https://www.example.com and https://shop.example.com. Events from any "
        "other address are refused.",
        error_messages={"required": "Add at least one origin, e.g. https://www.example.com."},
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (events from the site are recorded)"
    )

    @classmethod
    def for_site(cls, site: Site) -> "SiteForm":
        initial = {"name": site.name, "origins": site.origins, "is_active": site.is_active}
        return cls(initial=initial)

    def clean_origins(self) -> list[str]:
        return origins_clean(self.cleaned_data["origins"])


class SiteActiveForm(forms.Form):
    """The state the activate / deactivate button asks for: not a flip, so a button
    on a page left open in another tab does what it says."""

    is_active = forms.TypedChoiceField(
        choices=[("true", "On"), ("false", "Off")], coerce=lambda value: value == "true"
    )
