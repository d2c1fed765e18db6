"""Forms for the letter pages: a letter template, its live preview, a new print run,
and a letter that came back."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from crm.models import Lead, User
from crm.selectors import leads_visible_to
from mailings.letters.compose import LETTER_MERGE_FIELDS, letter_template_problems
from mailings.letters.models import LetterTemplate, Paper, PrintRun
from mailings.letters.returns import ReturnedLetterError, reference_parsed, returned_letter_check
from mailings.letters.selectors import letter_by_reference
from mailings.richtext.forms import RichTextWidget

# The editor's <form>: the preview's own fields sit beside the PDF, outside it.
EDITOR_FORM_ID = "letter-template-form"


def _checked(body: str) -> str:
    if problems := letter_template_problems(body):
        raise ValidationError(problems)
    return body


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "slug", "body", "css", "coupon_code", "offer", "is_active"]
        labels = {"css": "CSS", "is_active": "Active (can be chosen for new print runs)"}
        widgets = {
            "body": RichTextWidget(merge_fields=LETTER_MERGE_FIELDS),
            "css": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Empty: made from the name."

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("name", ""))[:100]
        if not slug:
            raise ValidationError("Give the template a slug: letters, digits and hyphens.")
        return slug

    def clean_body(self) -> str:
        return _checked(self.cleaned_data["body"])

    def save(self, *, by: User) -> LetterTemplate:
        template = super().save(commit=False)
        template.updated_by = by
        template.save()
        return template


class LetterPreviewForm(forms.Form):
    """The template as typed (not saved), for one lead, on one paper. The field
    names are the template form's: the editor posts its own fields here."""

    body = forms.CharField(required=False, strip=False)
    css = forms.CharField(required=False, strip=False)
    coupon_code = forms.CharField(required=False, max_length=50)
    offer = forms.CharField(required=False, max_length=200)
    lead = forms.IntegerField(
        label="Lead id",
        required=False,
        min_value=1,
        help_text="Empty: a sample lead.",
        widget=forms.NumberInput(attrs={"form": EDITOR_FORM_ID}),
    )
    paper = forms.ChoiceField(
        choices=Paper.choices,
        initial=Paper.LETTER,
        widget=forms.Select(attrs={"form": EDITOR_FORM_ID}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_body(self) -> str:
        return _checked(self.cleaned_data["body"])

    def clean_lead(self) -> Lead:
        pk = self.cleaned_data["lead"]
        if pk is None:
            return sample_lead()
        leads = leads_visible_to(self.user).select_related("owner", "source_campaign")
        found = leads.filter(pk=pk).first()
        if found is None:
            raise ValidationError("No lead has this id.")
        return found

    def template(self) -> LetterTemplate:
        """An unsaved template of the posted fields."""
        fields = ("body", "css", "coupon_code", "offer")
        return LetterTemplate(**{name: self.cleaned_data[name] for name in fields})


def sample_lead() -> Lead:
    """An unsaved lead with a complete address, for a preview before a lead is chosen."""
    return Lead(
        first_name="Jane",
        last_name="Sample",
        company="Example Company",
        address_line1="100 Main Street",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
    )


class PrintRunForm(forms.Form):
    name = forms.CharField(max_length=200)
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.filter(is_active=True), empty_label="Choose a template"
    )
    paper = forms.ChoiceField(choices=Paper.choices, initial=Paper.LETTER)
    source = forms.ChoiceField(
        choices=PrintRun.Source.choices, widget=forms.RadioSelect, label="Letters for"
    )


class ReturnedLetterForm(forms.Form):
    """A letter that came back, by the reference printed on it: typed, or scanned
    (a barcode scanner types it and presses Enter)."""

    reference = forms.CharField(
        label="Letter id",
        max_length=40,
        help_text="Printed small at the top right of each letter, under its barcode, "
        "e.g. R12-L0345.",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        parsed = reference_parsed(reference)
        if parsed is None:
            raise ValidationError(
                f"“{reference}” is not a letter id: it reads like R12-L0345 (run 12, letter 345)."
            )
        letter = letter_by_reference(*parsed)
        if letter is None:
            raise ValidationError(f"No letter has the id {reference.upper()}: check it and retry.")
        try:
            returned_letter_check(letter)
        except ReturnedLetterError as error:
            raise ValidationError(str(error)) from None
        self.cleaned_data["letter"] = letter
        return letter.reference
