"""What happened with a lead: an interaction of one of its kinds, on the timeline."""

from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.models.leads import Campaign, Lead
from crm.outcomes import outcome_label


class Interaction(models.Model):
    """One thing that happened between a lead and us. An app event (something the
    lead did in our product: "signed_up", "project_created") carries its name in
    data["name"] (crm.services.interaction_data_clean)."""

    APP_EVENT_NAME_MAX_LENGTH = 100

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        BOOTH_VISIT = "booth_visit", "Booth visit"
        GIVEAWAY_ENTRY = "giveaway_entry", "Giveaway entry"
        WEB_VISIT = "web_visit", "Web visit"
        CONTENT_DOWNLOAD = "content_download", "Content download"
        CART_ADD = "cart_add", "Added to cart"
        CHECKOUT_STARTED = "checkout_started", "Checkout started"
        CART_ABANDONED = "cart_abandoned", "Cart abandoned"
        PURCHASE = "purchase", "Purchase"
        EMAIL_SENT = "email_sent", "Email sent"
        EMAIL_OPENED = "email_opened", "Email opened"
        EMAIL_CLICKED = "email_clicked", "Email clicked"
        EMAIL_REPLIED = "email_replied", "Email replied"
        EMAIL_BOUNCED = "email_bounced", "Email bounced"
        LETTER_MAILED = "letter_mailed", "Letter mailed"
        LETTER_RETURNED = "letter_returned", "Letter returned"
        MEETING = "meeting", "Meeting"
        SUPPORT_CALL = "support_call", "Support call"
        REFERRAL = "referral", "Referral"
        APP_EVENT = "app_event", "App event"
        NOTE = "note", "Note"

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    outcome = models.CharField(
        max_length=100,
        blank=True,
        help_text="One of the kind's outcome codes (crm.outcomes); older free text kept as is.",
    )
    path = models.CharField(
        max_length=500, blank=True, help_text="The page, for web visits and cart events."
    )
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    notes = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    source = models.CharField(
        max_length=50, blank=True, help_text="The system or path that recorded it."
    )
    lead_import = models.ForeignKey(
        "LeadImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        db_index=False,  # interaction_import_lead_idx
        help_text="The booth-list import that recorded it.",
    )
    external_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The sending system's id; a retry with the same id records nothing new.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="interaction_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["lead", "-occurred_at", "-id"], name="interaction_timeline_idx"),
            models.Index(fields=["campaign", "kind"], name="interaction_campaign_idx"),
            # Audiences and the dashboard: what happened, of a kind, in a period.
            models.Index(fields=["kind", "occurred_at"], name="interaction_kind_time_idx"),
            # "Did this lead do KIND (in this window)?", asked lead by lead by
            # audience rules and the dashboard (see migration 0007).
            models.Index(
                fields=["lead", "kind", "occurred_at"], name="interaction_lead_kind_time_idx"
            ),
            # The team view counts each rep's calls of the day.
            models.Index(
                fields=["user", "occurred_at"],
                condition=models.Q(kind="call"),
                name="interaction_calls_idx",
            ),
            # An import's leads (the lead list's filter by import): "did this lead
            # visit the booth in import N?" answered from the index alone (0013).
            models.Index(
                fields=["lead_import", "lead"],
                condition=models.Q(lead_import__isnull=False),
                name="interaction_import_lead_idx",
            ),
        ]

    def __str__(self):
        return f"{self.description} — {self.lead_id} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def description(self) -> str:
        """The kind in words, with the name an app event carries: "App event: project_created"."""
        label = self.get_kind_display()
        if self.kind != self.Kind.APP_EVENT or not isinstance(self.data, dict):
            return label
        name = self.data.get("name")
        return f"{label}: {name}" if name else label

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.kind, self.outcome)

    @cached_property
    def described(self):
        """What happened, in a sentence (crm.sentences). A list's are set at once by
        crm.sentences.describing.describe_all, which also looks up a cart's items and a visit's
        site; alone, an interaction is told without them."""
        from crm.sentences.describing import describe  # it imports this module

        return describe(self)
