"""Email drips, their outbox, and what people allowed us (consent and suppression)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead
from followups.models import Rule, Touch


class Drip(models.Model):
    """A sequence of emails a lead is enrolled in, one step after another."""

    class CallOutcome(models.TextChoices):
        VOICEMAIL = "voicemail", "A call ended in a voicemail"
        NO_ANSWER = "no_answer", "No answer after the last try"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Also the List-Id.")
    is_active = models.BooleanField(default=True)
    trigger_kind = models.CharField(
        max_length=30,
        choices=Interaction.Kind.choices,
        blank=True,
        help_text="Enrol a lead when this happens. Empty: manual enrolment only.",
    )
    trigger_campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only for interactions in this campaign (a booth visit at this event).",
    )
    for_rule = models.ForeignKey(
        Rule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Also sends the email touches this follow-up rule plans.",
    )
    for_call_outcome = models.CharField(
        max_length=20,
        choices=CallOutcome.choices,
        blank=True,
        help_text="Also sends the email touch a call outcome plans.",
    )
    stop_on_purchase = models.BooleanField(
        default=False, help_text="A purchase ends the drip (an abandoned-cart drip)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DripStep(models.Model):
    """One email of a drip, sent a delay after enrolment or after the step before."""

    class Unit(models.TextChoices):
        HOURS = "hours", "hours"
        BUSINESS_DAYS = "business_days", "business days"

    class After(models.TextChoices):
        PREVIOUS = "previous", "after the step before"
        ENROLMENT = "enrolment", "after enrolment"

    drip = models.ForeignKey(Drip, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    delay = models.PositiveIntegerField(default=0)
    delay_unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.HOURS)
    delay_after = models.CharField(max_length=20, choices=After.choices, default=After.PREVIOUS)

    class Meta:
        ordering = ["drip", "position"]
        constraints = [
            models.UniqueConstraint(fields=["drip", "position"], name="drip_step_position_unique")
        ]

    def __str__(self):
        return f"{self.drip}, step {self.position}"

    def describe_delay(self) -> str:
        if not self.delay:
            return "at once" if self.delay_after == self.After.ENROLMENT else "straight after"
        unit = self.get_delay_unit_display()
        if self.delay == 1:
            unit = unit.replace("hours", "hour").replace("days", "day")
        return f"{self.delay} {unit} {self.get_delay_after_display()}"


class StepVariant(models.Model):
    """What a step sends. Two or more variants make an A/B test; they differ in one
    thing, the subject or the body, so the report can say which thing won."""

    step = models.ForeignKey(DripStep, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=1, default="A")
    subject = models.CharField(
        max_length=200, help_text="A Django template, e.g. Hi {{ lead.first_name|default:'there' }}"
    )
    html_body = models.TextField(help_text="A Django template; merge fields are escaped.")
    text_body = models.TextField(blank=True, help_text="Empty: made from the HTML.")

    class Meta:
        ordering = ["step", "label"]
        constraints = [
            models.UniqueConstraint(fields=["step", "label"], name="step_variant_label_unique")
        ]

    def __str__(self):
        return f"{self.step}, variant {self.label}"


def variants_differ_in_one_thing(variants: list[StepVariant]) -> None:
    """A/B variants change the subject or the body, never both (ValidationError)."""
    first = variants[0]
    for other in variants[1:]:
        subject = other.subject != first.subject
        body = (other.html_body, other.text_body) != (first.html_body, first.text_body)
        if subject and body:
            raise ValidationError(
                f"Variant {other.label} changes both the subject and the body; "
                "change one thing so the test can tell which made the difference."
            )


class Enrolment(models.Model):
    """A lead going through a drip."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    drip = models.ForeignKey(Drip, on_delete=models.CASCADE, related_name="enrolments")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=200, help_text="What enrolled the lead.")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # Never twice in the same drip at the same time.
            models.UniqueConstraint(
                fields=["drip", "lead"],
                condition=models.Q(status="active"),
                name="enrolment_one_active_per_drip",
            )
        ]
        indexes = [models.Index(fields=["lead", "status"], name="enrolment_lead_idx")]

    def __str__(self):
        return f"{self.lead} in {self.drip}"


class OutboxEmail(models.Model):
    """One email of one enrolment's step: what was sent, to whom, and how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="emails")
    step = models.ForeignKey(DripStep, on_delete=models.CASCADE, related_name="emails")
    variant = models.ForeignKey(StepVariant, on_delete=models.PROTECT, related_name="emails")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    touch = models.OneToOneField(Touch, on_delete=models.CASCADE, related_name="email")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    to_email = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    # Opens and clicks by mail scanners and privacy proxies (mailings.machines),
    # counted here only: opened_at and clicked_at are people's.
    machine_opens = models.PositiveIntegerField(default=0)
    machine_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="outbox_once_per_step")
        ]
        indexes = [models.Index(fields=["variant", "status"], name="outbox_variant_idx")]

    def __str__(self):
        return f"{self.step} to {self.to_email or self.lead_id} ({self.status})"


class Suppression(models.Model):
    """An address we must not email again. Only a digest is kept (see
    mailings.addresses), so it outlives the lead and catches re-imports."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Hard bounce"
        COMPLAINED = "complained", "Spam complaint"

    email_digest = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.get_reason_display()} {self.email_digest[:12]}…"


class ConsentText(models.Model):
    """The words a person agreed to, by version: the consent record points here."""

    version = models.CharField(max_length=50, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.version


class ConsentRecord(models.Model):
    """Evidence: who asked for or withdrew email consent, when, from where, to what text."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "Confirmation requested"
        CONFIRMED = "confirmed", "Confirmed (double opt-in)"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    lead = models.ForeignKey(
        Lead, null=True, on_delete=models.SET_NULL, related_name="consent_records"
    )
    email_digest = models.CharField(max_length=64, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    consent_text = models.ForeignKey(
        ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


# The letters' models live beside their code; imported here so Django loads them with the app.
from mailings.letters.models import LetterTemplate, Paper, PrintRun, PrintRunLetter  # noqa: E402, F401
