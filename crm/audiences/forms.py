import json

from django import forms

from crm.audiences.models import Audience
from crm.jsonbody import JsonBodyError, json_parse


class AudienceForm(forms.Form):
    """The builder's fields. The rules travel as JSON (the builder's script keeps
    the hidden field up to date); crm.audiences.rules checks them."""

    name = forms.CharField(max_length=200)
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (kept up to date, offered to channels)"
    )
    definition = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_audience(cls, audience: Audience) -> "AudienceForm":
        initial = {
            "name": audience.name,
            "is_active": audience.is_active,
            "definition": json.dumps(audience.definition),
        }
        return cls(initial=initial)

    def clean_definition(self) -> dict:
        return parse_definition(self.cleaned_data["definition"])


def parse_definition(text: str) -> dict:
    """The posted JSON as a dict; a field error when it is not one (or is nested
    deep enough to break the parser)."""
    if not text.strip():
        return {"match": "all", "rules": []}
    try:
        return json_parse(text.encode())
    except JsonBodyError:
        raise forms.ValidationError("The rules could not be read: reload the page.") from None
