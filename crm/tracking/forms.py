"""The beacon's body, validated strictly: known fields only, scalar values, limits
on every length, and the fields each kind of event needs."""

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from crm.models import Interaction
from crm.tracking.models import WebEvent
from crm.tracking.services import CONTACT_FIELDS, Beacon

ID_CHARS = RegexValidator(r"\A[A-Za-z0-9_-]+\Z", "Use letters, digits, “-” and “_” only.")
HOST = RegexValidator(r"\A[A-Za-z0-9.-]+\Z", "A host name, e.g. www.example.com.")
LINK_TOKEN = RegexValidator(r"\A[A-Za-z0-9_:.-]+\Z", "Not a link token.")
CURRENCY = RegexValidator(r"\A[A-Z]{3}\Z", "An ISO 4217 code, e.g. USD.")

PAGE_TIME, IDENTIFY = "page_time", "identify"
KINDS = [*WebEvent.Kind.choices, (PAGE_TIME, "Time on page"), (IDENTIFY, "Identify")]
REQUIRED_BY_KIND = {
    WebEvent.Kind.PAGE_VIEW: ("path",),
    PAGE_TIME: ("page", "seconds"),
    WebEvent.Kind.CART_ADD: ("cart_id",),
    WebEvent.Kind.CHECKOUT_STARTED: ("cart_id",),
    WebEvent.Kind.CONTENT_DOWNLOAD: ("content",),
    WebEvent.Kind.APP_EVENT: ("name",),
}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")


def _text(max_length: int, *validators, min_length: int | None = None) -> forms.CharField:
    return forms.CharField(
        max_length=max_length, min_length=min_length, required=False, validators=validators
    )


class BeaconForm(forms.Form):
    """One event from the snippet (see static/js/track.js)."""

    site = forms.CharField(max_length=32)
    uid = forms.CharField(min_length=16, max_length=64, validators=[ID_CHARS])
    eid = forms.CharField(min_length=8, max_length=64, validators=[ID_CHARS])
    kind = forms.ChoiceField(choices=KINDS)
    path = _text(500)
    title = _text(200)
    referrer = _text(253, HOST)
    utm_source = _text(100)
    utm_medium = _text(100)
    utm_campaign = _text(100)
    ref = _text(20, ID_CHARS)
    crm = _text(300, LINK_TOKEN)
    page = _text(64, ID_CHARS, min_length=8)
    seconds = forms.IntegerField(min_value=0, max_value=86_400, required=False)
    cart_id = _text(100)
    value = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    currency = _text(3, CURRENCY)
    product = _text(200)
    content = _text(200)
    name = _text(Interaction.APP_EVENT_NAME_MAX_LENGTH)  # an app event's, e.g. "project_created"
    email = _text(254)
    phone = _text(64)
    first_name = _text(100)
    last_name = _text(100)
    company = _text(200)
    country = _text(60)

    def __init__(self, payload: dict[str, Any]):
        self.shape_errors = {
            name: ["Unknown field."] for name in payload if name not in self.base_fields
        }
        for name, value in payload.items():
            problem = _shape_problem(value)
            if name in self.base_fields and problem:
                self.shape_errors[name] = [problem]
        data = {
            name: value
            for name, value in payload.items()
            if value is not None and name not in self.shape_errors
        }
        super().__init__(data)

    def is_valid(self) -> bool:
        return super().is_valid() and not self.shape_errors

    def error_dict(self) -> dict[str, list[str]]:
        errors = {name: list(messages) for name, messages in self.errors.items()}
        return errors | self.shape_errors

    def clean_path(self) -> str:
        # Never more than the path: a query string or fragment may hold personal data.
        path = self.cleaned_data["path"].split("#", 1)[0].split("?", 1)[0]
        if path and not path.startswith("/"):
            raise forms.ValidationError("Must start with “/”.")
        return path

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in REQUIRED_BY_KIND.get(data.get("kind"), ()):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, "Required for this kind of event.")
        return data

    def beacon(self) -> Beacon:
        data = self.cleaned_data
        return Beacon(
            uid=data["uid"],
            eid=data["eid"],
            kind=data["kind"],
            path=data["path"],
            title=data["title"],
            referrer=data["referrer"].lower(),
            utm={name[4:]: data[name] for name in UTM_FIELDS if data[name]},
            ref=data["ref"],
            link_token=data["crm"],
            page=data["page"],
            seconds=data["seconds"],
            cart_id=data["cart_id"],
            value=data["value"],
            currency=data["currency"],
            product=data["product"],
            content=data["content"],
            name=data["name"],
            contact={name: data[name] for name in CONTACT_FIELDS if data[name]},
        )


def _shape_problem(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "Must be a string or a number."
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON)
            return "Must be valid text."
    return ""
