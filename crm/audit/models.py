from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One thing someone (or the system) did, with each field's value before and
    after. Never edited, except to redact an erased person's values."""

    class Action(models.TextChoices):
        CHANGED = "changed", "Changed a lead"
        MERGED = "merged", "Merged leads"
        IMPORTED = "imported", "Imported a list"
        IMPORT_UNDONE = "import_undone", "Undid an import"
        ERASED = "erased", "Erased a person"
        PRINT_RUN_APPROVED = "print_run_approved", "Approved a print run"
        CADENCE_CHANGED = "cadence_changed", "Changed a cadence"

    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    actor_name = models.CharField(
        max_length=150,
        editable=False,
        help_text="Who, as they were called then: a username, or “system” for a job.",
    )
    action = models.CharField(max_length=30, choices=Action.choices, editable=False)
    # No database constraint and nothing done on delete: the history of a lead
    # outlives it (a merged duplicate's moves to the lead it went into, an erased
    # person's stays, redacted).
    lead = models.ForeignKey(
        "crm.Lead",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_entries",
        editable=False,
        db_index=False,  # audit_lead_idx leads with it
    )
    subject_type = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="What else it was about, e.g. an import.",
    )
    subject_id = models.BigIntegerField(null=True, blank=True, editable=False)
    subject_label = models.CharField(max_length=200, blank=True, editable=False)
    changes = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Field -> [from, to]."
    )
    data = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Facts about the action without personal data, e.g. an import's counts.",
    )
    note = models.CharField(
        max_length=200, blank=True, editable=False, help_text="How or why, without personal data."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["lead", "-at", "-id"], name="audit_lead_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx"),
            models.Index(fields=["-at", "-id"], name="audit_recent_idx"),
        ]

    def __str__(self):
        return f"{self.actor_name}: {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
