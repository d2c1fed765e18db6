"""The cadence builder's forms, one per block of its page: the cadence, a trigger,
a step (with its channel's content: a letter template, a call's talking points, a
task, ads), an email variant, where people on a removed step go, and what a call
outcome does. builder.page puts them together as the page posts them."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.text import slugify

from crm.audiences.models import Audience
from crm.models import Interaction
from crm.retargeting.selectors import ad_destinations
from crm.roles import Role
from followups.assigning import people_with_role
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    ExitCondition,
    OutcomePolicy,
    WaitUnit,
    default_exits,
)
from mailings.email.rendering import EMAIL_MERGE_FIELDS, email_template_problems
from mailings.letters.models import LetterTemplate
from mailings.models import StepVariant
from mailings.richtext.forms import PlainTextWidget, RichTextWidget

MAX_WAIT = 999
MAX_AD_DAYS = 365
SCRIPT_CHANNELS = (Channel.CALL, Channel.TASK)  # a script and a queue priority
FINISH = "finish"


def _checked(source: str) -> str:
    if problems := email_template_problems(source):
        raise ValidationError(problems)
    return source


# The cadence


class CadenceForm(forms.ModelForm):
    exit_on = forms.MultipleChoiceField(
        choices=ExitCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="It ends for a lead when",
    )

    class Meta:
        model = Cadence
        fields = [
            "name",
            "slug",
            "description",
            "exit_on",
            "assign",
            "reps",
            "audience",
            "exit_on_audience_leave",
        ]
        labels = {
            "assign": "Calls, personal emails and tasks go to",
            "reps": "The reps",
            "audience": "Enrol whoever is in the audience",
            "exit_on_audience_leave": "Leaving the audience ends it",
        }
        help_texts = {
            "audience": "Those in it now and whoever joins later, while the cadence is on.",
            "exit_on_audience_leave": "",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "reps": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Empty: made from the name. Also its emails' List-Id."
        reps = people_with_role(Role.REP).order_by("first_name", "last_name", "pk")
        self.fields["reps"].queryset = reps
        self.fields["reps"].label_from_instance = lambda user: user.display_name
        audiences = Q(is_active=True) | Q(pk=self.instance.audience_id or 0)
        self.fields["audience"].queryset = Audience.objects.filter(audiences)
        self.fields["audience"].empty_label = "None: triggers and people enrol them"
        if self.instance.pk is None:
            self.initial["exit_on"] = default_exits()

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("name", ""))[:100]
        if not slug:
            raise ValidationError("Give the cadence a slug: letters, digits and hyphens.")
        return slug

    def clean(self):
        data = super().clean()
        if data.get("assign") == Cadence.Assign.REPS and not data.get("reps"):
            self.add_error("reps", "Choose the reps, or give the work to the lead's owner.")
        if data.get("exit_on_audience_leave") and not data.get("audience"):
            self.add_error("exit_on_audience_leave", "Choose the audience first.")
        return data


class TriggerForm(forms.ModelForm):
    class Meta:
        model = CadenceTrigger
        fields = [
            "kind",
            "campaign",
            "sentiment",
            "data_key",
            "data_value",
            "first_of_kind",
            "ends",
        ]
        labels = {
            "kind": "When there is a",
            "campaign": "In the campaign",
            "data_key": "Whose data field",
            "data_value": "Has the value",
            "first_of_kind": "Only the lead's first of its kind",
            "ends": "It ends the cadence instead",
        }
        help_texts = {
            "sentiment": "",
            "data_key": "",
            "data_value": "E.g. name is signed_up.",
            "ends": "For those in it, rather than enrolling anyone.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].empty_label = "Any campaign"
        self.fields["sentiment"].choices = [("", "Any"), *Interaction.Sentiment.choices]

    def clean(self):
        data = super().clean()
        key, value = data.get("data_key"), data.get("data_value")
        if key and not value:
            self.add_error("data_value", "Give the value the field must have.")
        if value and not key:
            self.add_error("data_key", "Give the field the value is in.")
        return data


# Steps


class StepForm(forms.ModelForm):
    """A step's wait, and what its channel needs: a call's talking points or a
    task's text (with a queue priority), a letter's template."""

    repeat_from = forms.ChoiceField(
        required=False,
        label="Then",
        widget=forms.Select(attrs={"data-step-choice": "Go back to %s"}),
        help_text="Going back makes a reminder that repeats.",
    )
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.none(),
        label="Letter template",
        empty_label="Choose a letter template",
        error_messages={"required": "Choose the letter this step sends."},
    )

    class Meta:
        model = CadenceStep
        fields = [
            "wait",
            "wait_unit",
            "wait_after",
            "at_local_time",
            "priority",
            "script",
            "ad_link",
            "ad_days",
        ]
        labels = {
            "ad_link": "Show ads in",
            "ad_days": "For (days)",
            "wait": "Wait",
            "wait_unit": "Unit",
            "wait_after": "Counted",
            "at_local_time": "At (their time)",
            "priority": "Priority",
        }
        help_texts = {"at_local_time": "Optional: on or after this time of day."}
        widgets = {
            "wait": forms.NumberInput(attrs={"min": 0, "max": MAX_WAIT}),
            "at_local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "script": forms.Textarea(attrs={"rows": 3}),
            "ad_days": forms.NumberInput(attrs={"min": 1, "max": MAX_AD_DAYS}),
        }

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["wait"].validators.append(MaxValueValidator(MAX_WAIT))
        self.fields["repeat_from"].choices = [("", "Go on to the next step")]
        if channel not in SCRIPT_CHANNELS:
            del self.fields["priority"], self.fields["script"]
        elif channel == Channel.CALL:
            self.fields["script"].label = "Talking points"
            self.fields["script"].help_text = "What the rep sees when the call comes up."
        else:
            self.fields["script"].label = "What to do"
            self.fields["script"].help_text = "E.g. Connect on LinkedIn; send the sample."
            self.fields["script"].required = True
            self.fields["script"].error_messages["required"] = "Say what the task is."
        if channel == Channel.LETTER:
            current = getattr(self.instance, "letter", None) if self.instance.pk else None
            chosen = Q(is_active=True) | Q(pk=current.template_id if current else 0)
            self.fields["template"].queryset = LetterTemplate.objects.filter(chosen)
            self.initial.setdefault("template", current.template_id if current else None)
        else:
            del self.fields["template"]
        if channel == Channel.ADS:
            self._ads_fields()
        else:
            del self.fields["ad_link"], self.fields["ad_days"]

    def _ads_fields(self) -> None:
        """Which destination (crm.retargeting: an ad audience cadences feed) and
        for how many days."""
        link, days = self.fields["ad_link"], self.fields["ad_days"]
        link.queryset = ad_destinations()
        link.required = True
        link.empty_label = "Choose an ad audience"
        link.error_messages["required"] = "Choose the ad audience the ads are shown in."
        link.help_text = "An ad audience for cadences, added under Settings → Ad connections."
        days.required = True
        days.error_messages["required"] = "Say for how many days, 1 to 365."
        days.validators += [MinValueValidator(1), MaxValueValidator(MAX_AD_DAYS)]
        days.help_text = "Then they come off it; the next step does not wait for this."

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["repeat_from"].choices = [
            ("", "Go on to the next step"),
            *((prefix, f"Go back to {label}") for prefix, label in choices),
        ]


class VariantForm(forms.ModelForm):
    class Meta:
        model = StepVariant
        fields = ["subject", "html_body", "text_body"]
        labels = {"html_body": "HTML body", "text_body": "Text body"}
        widgets = {
            "html_body": RichTextWidget(merge_fields=EMAIL_MERGE_FIELDS),
            "text_body": PlainTextWidget(html_field="html_body"),
        }

    def clean_subject(self):
        return _checked(self.cleaned_data["subject"])

    def clean_html_body(self):
        return _checked(self.cleaned_data["html_body"])

    def clean_text_body(self):
        return _checked(self.cleaned_data["text_body"])


class SendToForm(forms.Form):
    """Where those on a removed step go."""

    send_to = forms.ChoiceField(
        label="Those on it go to", widget=forms.Select(attrs={"data-step-choice": "%s"})
    )

    def __init__(self, *args, people: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["send_to"].required = people > 0
        self.fields["send_to"].error_messages["required"] = (
            f"{people} {'person is' if people == 1 else 'people are'} on this step: "
            "say where they go."
        )
        self.set_step_choices([])

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["send_to"].choices = [
            ("", "Choose…"),
            *choices,
            (FINISH, "Nowhere: the cadence ends for them"),
        ]


class PolicyForm(forms.Form):
    """What one call outcome does to the cadence."""

    action = forms.ChoiceField(choices=OutcomePolicy.Action.choices, label="What happens")
    retry_cap = forms.IntegerField(min_value=1, max_value=20, label="Tries in all")
    retry_wait = forms.IntegerField(min_value=0, max_value=MAX_WAIT, label="Next try after")
    retry_wait_unit = forms.ChoiceField(choices=WaitUnit.choices, label="Unit")
    jump_to = forms.ChoiceField(
        required=False, label="Jump to", widget=forms.Select(attrs={"data-step-choice": "%s"})
    )
    move_to = forms.ChoiceField(required=False, label="Move to")

    def __init__(self, *args, others: dict[str, Cadence], **kwargs):
        super().__init__(*args, **kwargs)
        self.others = others
        choices = [(pk, cadence.name) for pk, cadence in others.items()]
        self.fields["move_to"].choices = [("", "—"), *choices]
        self.set_step_choices([])

    def clean_move_to(self) -> Cadence | None:
        return self.others.get(self.cleaned_data["move_to"])

    def set_step_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["jump_to"].choices = [("", "—"), *choices]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == OutcomePolicy.Action.JUMP and not data.get("jump_to"):
            self.add_error("jump_to", "Choose the step to jump to.")
        if action == OutcomePolicy.Action.MOVE and not data.get("move_to"):
            self.add_error("move_to", "Choose the cadence to move them to.")
        return data
