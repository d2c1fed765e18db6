"""The form that makes an API token: its name and the user it acts as."""

from django import forms

from crm.api_tokens.selectors import api_token_users
from crm.models import ApiToken, User


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        full_name = user.get_full_name()
        return f"{full_name} ({user.username})" if full_name else user.username


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What uses it, e.g. “website forms” or “webinar tool”.",
    )
    user = UserChoiceField(
        label="Acts as",
        queryset=User.objects.none(),
        empty_label=None,
        help_text="The API works with this person's access: a rep's token reaches only "
        "the rep's own leads, and the leads it creates are theirs.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form, not at import: users come and go.
        self.fields["user"].queryset = api_token_users()
