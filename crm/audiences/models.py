"""Audiences: leads picked by rules on behaviour, profile, purchases and consent,
combined with AND/OR. The definition is a tree of rules (see the package crm.audiences.rules);
membership is kept up to date as interactions arrive."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Audience(models.Model):
    name = models.CharField(max_length=200)
    definition = models.JSONField(
        default=dict, help_text='{"match": "all"|"any", "rules": [rule or group, ...]}'
    )
    is_active = models.BooleanField(default=True)
    member_count = models.PositiveIntegerField(default=0)
    members_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("audiences:detail", args=[self.pk])


class AudienceMember(models.Model):
    # No index of their own: the unique constraint leads with the audience, Meta's
    # index is the lead's (one more would be written for every member joining).
    audience = models.ForeignKey(
        Audience, on_delete=models.CASCADE, related_name="members", db_index=False
    )  # audience_member_once
    lead = models.ForeignKey(
        "crm.Lead", on_delete=models.CASCADE, related_name="audiences", db_index=False
    )  # audience_member_lead_idx
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audience", "lead"], name="audience_member_once")
        ]
        indexes = [models.Index(fields=["lead"], name="audience_member_lead_idx")]

    def __str__(self) -> str:
        return f"{self.audience_id}:{self.lead_id}"
