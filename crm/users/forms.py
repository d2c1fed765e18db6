from django import forms
from django.db.models import Q

from crm.models import User
from crm.roles import Role


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        max_length=150,
        help_text="The invitation goes here; it is also what they log in with.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REP)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            raise forms.ValidationError("Someone with this email already has an account.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
