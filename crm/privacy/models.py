"""The record that a person's data was erased: which lead, by whom, when, and
how many rows of each kind were blanked or deleted. Nothing about the person."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Erasure(models.Model):
    # Not a foreign key: merging leads re-points every row that refers to a lead
    # (crm.services), and this row must keep naming the lead that was erased.
    lead_id = models.BigIntegerField(db_index=True, help_text="The lead erased (kept, blanked).")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, help_text="What was blanked or deleted: how many rows.")

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Lead #{self.lead_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"
