from django import forms

from crm.lockouts.selectors import PARAMETERS


class LockoutLiftForm(forms.Form):
    parameter = forms.ChoiceField(choices=PARAMETERS.items())
    value = forms.CharField(max_length=255)
