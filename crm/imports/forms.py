from django import forms
from django.conf import settings

from crm.forms import COUNTRY_CHOICES
from crm.imports.encodings import ENCODINGS
from crm.imports.fields import FIELDS, REPEATABLE_FIELDS
from crm.models import Campaign, LeadImport

FIELD_CHOICES = [("", "— ignore —"), *FIELDS.items()]


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (comma, semicolon or tab separated) or XLSX, up to "
        f"{settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB."
    )
    event = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(kind=Campaign.Kind.EVENT).order_by("-starts_on", "name"),
        required=False,
        empty_label="A new event…",
        help_text="Everyone on the list gets a booth visit at this event.",
    )
    new_event_name = forms.CharField(label="New event's name", max_length=200, required=False)
    new_event_country = forms.ChoiceField(
        label="New event's country", choices=COUNTRY_CHOICES, required=False
    )
    new_event_date = forms.DateField(
        label="New event's first day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = forms.CharField(
        max_length=100,
        required=False,
        help_text="Whose export this is, e.g. “Expo badge scanner”: its column mapping is "
        "remembered for next time.",
        widget=forms.TextInput(attrs={"list": "import-sources"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than {limit} MB.")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("event") and not cleaned.get("new_event_name", "").strip():
            self.add_error("event", "Choose the event, or name a new one.")
        return cleaned


class MappingForm(forms.Form):
    """One choice per column of the file: which lead field it holds, if any.

    `columns` lists (bound field, first values, why it was guessed) per column; the
    reason's element ("<select id>_reason") describes its select, so a screen reader
    reads it out with it.
    """

    def __init__(self, *args, lead_import: LeadImport, samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = []
        for index, heading in enumerate(lead_import.header):
            name = f"column_{index}"
            reason = lead_import.mapping_reasons.get(str(index), "")
            self.fields[name] = forms.ChoiceField(
                label=heading or f"Column {index + 1}",
                choices=FIELD_CHOICES,
                required=False,
                initial=lead_import.mapping.get(str(index), ""),
            )
            column = self[name]
            if reason and column.auto_id:
                column.field.widget.attrs["aria-describedby"] = f"{column.auto_id}_reason"
            examples = [row[index] for row in samples if index < len(row) and row[index]]
            self.columns.append((column, examples, reason))

    def clean(self):
        cleaned = super().clean()
        chosen = list(self.mapping().values())
        if not {"email", "phone"} & set(chosen):
            raise forms.ValidationError("Map at least one column to Email or Phone.")
        twice = sorted({f for f in chosen if f not in REPEATABLE_FIELDS and chosen.count(f) > 1})
        if twice:
            labels = ", ".join(str(FIELDS[f]) for f in twice)
            raise forms.ValidationError(f"Each field can come from one column only: {labels}.")
        return cleaned

    def mapping(self) -> dict[int, str]:
        return {
            int(name.removeprefix("column_")): value
            for name, value in self.cleaned_data.items()
            if value
        }


class EncodingForm(forms.Form):
    """How a CSV file's text is read, when the detected encoding reads it wrong."""

    encoding = forms.ChoiceField(
        label="Read the file as",
        choices=[(key, encoding.label) for key, encoding in ENCODINGS.items()],
    )
