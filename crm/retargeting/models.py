"""Pushing audiences to ad platforms: a manager's connection to a platform
account, an audience linked to one of its ad audiences, and the ledger of what
was last sent for each person, so every sync sends only the difference."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class AdConnection(models.Model):
    """One ad platform account and the credentials to reach it. The access token
    is kept encrypted (crm.retargeting.crypto) and never shown again."""

    class Platform(models.TextChoices):
        META = "meta", "Meta (Facebook, Instagram)"
        GOOGLE_ADS = "google_ads", "Google Ads"

    class Status(models.TextChoices):
        OK = "ok", "Working"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"

    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=100, help_text="To recognise it, e.g. “Meta — EU account”.")
    account_id = models.CharField(
        max_length=40,
        blank=True,
        help_text="Meta: the ad account (act_…); Google Ads: the customer id (123-456-7890).",
    )
    login_customer_id = models.CharField(
        max_length=40,
        blank=True,
        help_text="Google Ads, when the account is reached through a manager account.",
    )
    developer_token = models.CharField(max_length=100, blank=True, help_text="Google Ads only.")
    token_encrypted = models.TextField(editable=False)
    token_hint = models.CharField(max_length=4, editable=False)
    token_saved_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OK)
    status_reason = models.TextField(blank=True)
    status_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    def get_absolute_url(self) -> str:
        return reverse("ad_connections:edit", args=[self.pk])

    @property
    def needs_attention(self) -> bool:
        return self.status == self.Status.NEEDS_ATTENTION


class AudienceAdLink(models.Model):
    """An audience kept in sync with one ad audience of a connection; or, without
    an audience, a destination that cadence steps feed (followups adds a lead for
    some days through services.ad_membership_add, then removes them): its ledger
    is then who is wanted, not a copy of an audience."""

    audience = models.ForeignKey(
        "crm.Audience",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ad_links",
        help_text="Empty: a destination for cadences' ads steps.",
    )
    connection = models.ForeignKey(AdConnection, on_delete=models.CASCADE, related_name="links")
    platform_audience_id = models.CharField(
        max_length=40,
        help_text="Meta: the custom audience's id; Google Ads: the Customer Match user list's id.",
    )
    name = models.CharField(
        max_length=100, blank=True, help_text="A destination's name, e.g. “Booth retargeting”."
    )
    # Set when something may have changed who belongs (the hooks), cleared when a
    # sync has planned from the state after it: the database says a sync is due.
    sync_wanted_at = models.DateTimeField(null=True, blank=True)
    syncing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["audience", "connection", "platform_audience_id"],
                name="audience_ad_link_once",
            ),
            # Nulls differ in a unique index: a destination needs its own.
            models.UniqueConstraint(
                fields=["connection", "platform_audience_id"],
                condition=models.Q(audience__isnull=True),
                name="ad_destination_once",
            ),
        ]

    def __str__(self) -> str:
        if self.is_destination:
            return f"{self.name or self.platform_audience_id} ({self.connection.name})"
        return f"{self.audience_id} → {self.connection_id}:{self.platform_audience_id}"

    @property
    def is_destination(self) -> bool:
        """Fed by cadence steps rather than by an audience."""
        return self.audience_id is None


class AdAudienceMember(models.Model):
    """What the platform has (or is about to have) for one person: the row last
    sent, hashed as the platform takes it, so a removal sends the identifiers that
    were added even after the lead's email changed or the lead was deleted."""

    class State(models.TextChoices):
        SYNCED = "synced", "Synced"
        PENDING_ADD = "pending_add", "To add"
        PENDING_REMOVE = "pending_remove", "To remove"

    link = models.ForeignKey(AudienceAdLink, on_delete=models.CASCADE, related_name="members")
    # Null once the lead is gone (deleted, or its old identifiers being removed).
    lead = models.ForeignKey(
        "crm.Lead", null=True, on_delete=models.SET_NULL, related_name="ad_audiences"
    )
    row = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=State.choices)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "lead"], name="ad_audience_member_once")
        ]
        indexes = [models.Index(fields=["link", "state"], name="ad_member_link_state_idx")]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.lead_id}:{self.state}"


class AdSyncLog(models.Model):
    """One sync of a link: what went, what the platform refused and why, and the
    error that stopped it, if one did."""

    link = models.ForeignKey(AudienceAdLink, on_delete=models.CASCADE, related_name="logs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(null=True, blank=True)
    failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["link", "-started_at"], name="ad_sync_log_link_idx")]

    def __str__(self) -> str:
        return f"{self.link_id} at {self.started_at:%Y-%m-%d %H:%M}"
