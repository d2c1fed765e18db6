"""What cadences' email steps send (variants), their outbox, and what people allowed
us (consent and suppression)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from crm.models import Lead
from followups.models import CadenceStep, Enrolment, Touch


class StepVariant(models.Model):
    """What a step sends. Two or more variants make an A/B test; they differ in one
    thing, the subject or the body, so the report can say which thing won."""

    step = models.ForeignKey(CadenceStep, on_delete=models.CASCADE, related_name="variants")
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


# How long an email marked `sending` without a worker token (SQLite: see
# config.liveness) is its worker's: after that the worker is taken for dead
# (mailings.email.sending sends it again; an ended enrolment cancels it). One marked with a
# token is its worker's exactly as long as that worker lives.
SENDING_LEASE = dt.timedelta(seconds=settings.MAIL_SENDING_LEASE_SECONDS)


class OutboxEmail(models.Model):
    """One email of one enrolment's step: what was sent, to whom, and how it went.
    A personal email (sent_by set) goes from the rep, with the words they wrote;
    one a rep sends from the call card is no cadence's (no enrolment, no step)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    step = models.ForeignKey(
        CadenceStep, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    variant = models.ForeignKey(
        StepVariant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emails",
        help_text="What the step sends; a personal email: what its rep started from.",
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    touch = models.OneToOneField(Touch, on_delete=models.CASCADE, related_name="email")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    to_email = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_at = models.DateTimeField(null=True, blank=True)
    worker_token = models.IntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The token of the worker that marked it sending (config.liveness).",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    # Opens and clicks by mail scanners and privacy proxies (mailings.email.machines),
    # counted here only: opened_at and clicked_at are people's.
    machine_opens = models.PositiveIntegerField(default=0)
    machine_clicks = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    html_body = models.TextField(blank=True, help_text="A personal email's words, as sent.")
    text_body = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["variant", "status"], name="outbox_variant_idx")]

    def __str__(self):
        return f"{self.step} to {self.to_email or self.lead_id} ({self.status})"


class Suppression(models.Model):
    """An address we must not email again. Only a digest is kept (see
    mailings.consent.addresses), so it outlives the lead and catches re-imports."""

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
