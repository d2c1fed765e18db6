"""The inbound webhook's events (the cadence pages' forms are in mailings/cadences/)."""

from django import forms

from mailings.email.inbound import EVENTS


class InboundEventForm(forms.Form):
    """One event on the generic inbound webhook."""

    event = forms.ChoiceField(choices=[(event, event) for event in EVENTS])
    email = forms.EmailField(max_length=254)
    message_id = forms.CharField(
        max_length=2000, required=False, help_text="In-Reply-To / References"
    )
    permanent = forms.BooleanField(
        required=False, initial=True, help_text="Bounces: a hard bounce?"
    )
    text = forms.CharField(max_length=20000, required=False, strip=False)
    id = forms.CharField(max_length=200, required=False, help_text="The sender's event id.")

    def __init__(self, data: dict, **kwargs):
        data = dict(data)
        # JSON booleans, and an absent `permanent` means a hard bounce.
        data["permanent"] = data.get("permanent", True) not in (False, "false", 0, "0")
        super().__init__(data, **kwargs)

    def event_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "event": data["event"],
            "email": data["email"],
            "message_id": data["message_id"],
            "permanent": data["permanent"],
            "text": data["text"],
            "external_id": data["id"],
        }
