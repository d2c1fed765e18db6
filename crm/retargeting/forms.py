"""Forms for ad connections and for linking an audience to an ad audience."""

import re

from django import forms

from crm.retargeting.models import AdConnection, AudienceAdLink

DIGITS = re.compile(r"^\d{1,20}$")
GOOGLE_CUSTOMER_ID = re.compile(r"^\d{3}-?\d{3}-?\d{4}$")
META_AD_ACCOUNT = re.compile(r"^(act_)?\d{1,20}$")


class AdConnectionForm(forms.ModelForm):
    """The token is write-only: the field is always empty on the page; left empty
    when editing, the saved token stays."""

    access_token = forms.CharField(
        required=False,
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Meta: a system user's access token with ads_management; Google Ads: an "
        "OAuth access token for the account. Encrypted when saved and never shown again.",
    )

    class Meta:
        model = AdConnection
        fields = ["platform", "name", "account_id", "login_customer_id", "developer_token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["access_token"].help_text = (
                f"Saved, ends …{self.instance.token_hint}. Leave empty to keep it; "
                "a token typed here replaces it."
            )
        else:
            self.fields["access_token"].required = True

    def clean(self):
        cleaned = super().clean()
        platform = cleaned.get("platform")
        account = (cleaned.get("account_id") or "").strip()
        if platform == AdConnection.Platform.GOOGLE_ADS:
            if not GOOGLE_CUSTOMER_ID.match(account):
                self.add_error("account_id", "Google Ads needs the customer id: 123-456-7890.")
            login = (cleaned.get("login_customer_id") or "").strip()
            if login and not GOOGLE_CUSTOMER_ID.match(login):
                self.add_error("login_customer_id", "A customer id is written 123-456-7890.")
            if not (cleaned.get("developer_token") or "").strip():
                self.add_error("developer_token", "Google Ads needs the developer token.")
        elif platform == AdConnection.Platform.META and not META_AD_ACCOUNT.match(account or "0"):
            self.add_error("account_id", "A Meta ad account id is act_ and digits, or digits.")
        return cleaned

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return {**fields, "token": self.cleaned_data["access_token"]}


class AudienceAdLinkForm(forms.Form):
    connection = forms.ModelChoiceField(queryset=AdConnection.objects.none(), empty_label=None)
    platform_audience_id = forms.CharField(
        label="Ad audience id",
        max_length=AudienceAdLink._meta.get_field("platform_audience_id").max_length,
        help_text=AudienceAdLink._meta.get_field("platform_audience_id").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].queryset = AdConnection.objects.order_by("name", "pk")

    def clean_platform_audience_id(self) -> str:
        value = self.cleaned_data["platform_audience_id"].strip()
        if not DIGITS.match(value):
            raise forms.ValidationError("The ad audience's id is digits, as the platform shows it.")
        return value


class AdDestinationForm(forms.Form):
    """An ad audience of this connection that cadences' ads steps feed."""

    name = forms.CharField(
        max_length=AudienceAdLink._meta.get_field("name").max_length,
        help_text="What the cadence builder shows, e.g. “Booth retargeting”.",
    )
    platform_audience_id = forms.CharField(
        label="Ad audience id",
        max_length=AudienceAdLink._meta.get_field("platform_audience_id").max_length,
        help_text=AudienceAdLink._meta.get_field("platform_audience_id").help_text,
    )

    def clean_platform_audience_id(self) -> str:
        value = self.cleaned_data["platform_audience_id"].strip()
        if not DIGITS.match(value):
            raise forms.ValidationError("The ad audience's id is digits, as the platform shows it.")
        return value
