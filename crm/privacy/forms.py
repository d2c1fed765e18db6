from django import forms


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this person's data is erased for good and cannot be restored.",
    )
