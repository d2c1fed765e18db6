"""A booth-list import (LeadImport: its file, mapping, status and result) and the
mappings remembered per source."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from crm.models.leads import Campaign, Lead


class ImportMapping(models.Model):
    """How one source's columns map to lead fields, remembered for next time."""

    source = models.CharField(max_length=100, unique=True, help_text="e.g. Expo badge scanner")
    columns = models.JSONField(
        default=dict, help_text="Normalised column heading -> lead field, or '' to ignore it."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]

    def __str__(self):
        return self.source


SHOWN_WARNINGS = 500  # per kind on an import's page; the download has every one listed


class LeadImport(models.Model):
    """One booth list on its way into the CRM: uploaded, mapped, previewed, imported."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for the column mapping"
        PREVIEWING = "previewing", "Preparing the preview"
        PREVIEWED = "previewed", "Ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    filename = models.CharField(max_length=255)
    content = models.BinaryField(editable=False, help_text="The uploaded file, as it came.")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="imports", help_text="The event."
    )
    source = models.CharField(max_length=100, blank=True, help_text="Whose export this is.")
    default_country = models.CharField(
        max_length=2, blank=True, help_text="For phones and addresses without a country."
    )
    header = models.JSONField(default=list, help_text="The column headings found.")
    header_row = models.PositiveIntegerField(
        default=1, help_text="The header's line in the spreadsheet (title rows above it count)."
    )
    encoding = models.CharField(
        max_length=40, blank=True, help_text="The text encoding a CSV file is read in."
    )
    encoding_detected = models.CharField(
        max_length=40, blank=True, help_text="The encoding detected on upload."
    )
    recognised_as = models.CharField(
        max_length=100, blank=True, help_text="The known export the headings match, if any."
    )
    mapping = models.JSONField(default=dict, help_text="Column number -> lead field.")
    mapping_reasons = models.JSONField(
        default=dict, help_text="Column number -> why its field was guessed (or not)."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MAPPING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="imports"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    engaged = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(
        default=0, help_text="Rows about a person already met earlier in the same file."
    )
    samples = models.JSONField(default=list, help_text="Preview: the first rows as they'll land.")
    conflicts = models.PositiveIntegerField(
        default=0, help_text="Rows that offered another value for a field the lead had."
    )
    conflict_rows = models.JSONField(
        default=list, help_text="The first of them: row, lead, fields (kept, offered)."
    )
    errors = models.JSONField(default=list, help_text="Invalid rows: row, message, cells.")
    warnings = models.PositiveIntegerField(
        default=0, help_text="Imported rows with something to check (a phone read two ways, …)."
    )
    warning_rows = models.JSONField(
        default=list, help_text="The first of them: row, kind, field, message, values."
    )
    failure = models.TextField(blank=True, help_text="Why the last job failed.")
    running_since = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took up the current job."
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_report = models.JSONField(
        default=dict, help_text="What the undo removed, and the leads it left, with why."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="leadimport_recent_idx")]

    def __str__(self):
        return f"{self.filename} → {self.campaign}"

    def get_absolute_url(self):
        return reverse("imports:detail", args=[self.pk])

    @property
    def conflicts_shown(self) -> list[dict]:
        """conflict_rows with each field's label, for the report."""
        return [
            conflict
            | {
                "fields": [
                    difference
                    | {"label": capfirst(Lead._meta.get_field(difference["field"]).verbose_name)}
                    for difference in conflict["fields"]
                ]
            }
            for conflict in self.conflict_rows
        ]

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PREVIEWING, self.Status.IMPORTING)

    @property
    def phone_readings(self) -> list[dict]:
        """The listed warnings about bare digits that read as two valid numbers."""
        return [w for w in self.warning_rows if w["kind"] == "phone_reading"][:SHOWN_WARNINGS]

    @property
    def other_warnings(self) -> list[dict]:
        return [w for w in self.warning_rows if w["kind"] != "phone_reading"][:SHOWN_WARNINGS]
