from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from crm.models import Interaction, Lead
from crm.outcomes import CallOutcome
from followups.cadences.models import (  # noqa: F401 (loaded with the app)
    REP_CHANNELS,
    AdRun,
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    Enrolment,
    OutcomePolicy,
)


class Holiday(models.Model):
    """A day without calls: everywhere, or in one country only."""

    date = models.DateField()
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, blank=True, help_text="Empty: every country.")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "country"], name="holiday_unique_per_country")
        ]

    def __str__(self):
        return f"{self.date} {self.name}" + (f" ({self.country})" if self.country else "")


class CallingHours(models.Model):
    """When leads may be called, in each lead's own time zone: one row, which
    managers change on the calling hours page (followups.calling_hours reads it;
    without it, Monday to Friday 09:00 to 18:00). Holidays come off these days."""

    ONLY = 1  # the primary key of the one row

    weekdays = models.CharField(
        max_length=7, help_text="The days calls are made, as digits: 0 = Monday … 6 = Sunday."
    )
    start = models.TimeField()
    end = models.TimeField(help_text="23:59:59.999999 stands for 24:00, the end of the day.")
    set_by_demo = models.BooleanField(
        default=False, help_text="Set by the demo seed, not by a manager."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "calling hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="calling_hours_one_row"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="calling_hours_start_before_end"
            ),
            models.CheckConstraint(
                condition=~models.Q(weekdays=""), name="calling_hours_some_weekday"
            ),
        ]

    def __str__(self):
        return f"Calling hours {self.weekdays} {self.start:%H:%M} to {self.end:%H:%M}"

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(day) for day in self.weekdays]


class Touch(models.Model):
    """One planned touch of a lead, on any channel: the ledger of what is next."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.PENDING, Status.CLAIMED)

    # The foreign keys' own indexes are left out where one of Meta's leads with the
    # column (it serves the same lookups): each index is written for every touch
    # planned, an import's hundred thousand at once.
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="touches", db_index=False
    )  # touch_lead_idx
    channel = models.CharField(max_length=20, choices=Channel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, help_text="Why, in plain words.")
    reason_at = models.DateTimeField(null=True, blank=True, help_text="When the reason happened.")
    talking_points = models.TextField(blank=True)
    priority = models.SmallIntegerField(default=50)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_touches",
        db_index=False,  # touch_queue_idx
    )
    enrolment = models.ForeignKey(
        "followups.Enrolment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="touches",
        help_text="The cadence enrolment it is a step of.",
        db_index=False,  # touch_enrolment_idx
    )
    step = models.ForeignKey(
        "followups.CadenceStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(
        max_length=100, help_text="What planned it: a cadence, a call outcome."
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    key = models.CharField(max_length=200, unique=True, help_text="The same touch never twice.")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    worker_token = models.IntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The token of the worker delivering it (config.liveness): the claim is "
        "dispatched again as soon as no live worker holds it.",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=100, blank=True)
    held_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it waits past its planned time, and until when."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "touches"
        constraints = [
            # A lead has one next call, however many reasons point at it.
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(channel="call", status__in=["pending", "claimed"]),
                name="touch_one_open_call_per_lead",
            ),
            # A cadence's step is tried once per attempt, however often it is planned.
            models.UniqueConstraint(
                fields=["enrolment", "step", "attempt"],
                condition=models.Q(enrolment__isnull=False),
                name="touch_once_per_step_attempt",
            ),
        ]
        indexes = [
            models.Index(
                fields=["assigned_to", "channel", "status", "-priority", "due_at"],
                name="touch_queue_idx",
            ),
            # Today's list, a page at a time in queue order: the rep's open touches
            # (pending, or claimed: the call on their card) in that order, so a page
            # reads its rows and not the whole day to sort it.
            models.Index(
                fields=["assigned_to", "channel", "-priority", "due_at", "id"],
                condition=models.Q(status__in=["pending", "claimed"]),
                name="touch_open_queue_idx",
            ),
            models.Index(fields=["channel", "status", "due_at"], name="touch_due_idx"),
            models.Index(fields=["status", "claimed_at"], name="touch_claims_idx"),
            models.Index(fields=["lead", "status"], name="touch_lead_idx"),
            models.Index(fields=["enrolment", "status"], name="touch_enrolment_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.lead_id} at {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.due_at < timezone.now()


class OutcomeUndo(models.Model):
    """What logging a call's outcome changed, kept so that its rep can take the
    outcome back for a few seconds (followups.queue.undo): the lead's touches,
    enrolments and call fields as they were before, and which touches and
    enrolments existed then (those made since are the outcome's)."""

    touch = models.ForeignKey(Touch, on_delete=models.CASCADE, related_name="+")
    # Not a foreign key: undoing deletes the interaction, and this row says so after.
    interaction_id = models.BigIntegerField()
    outcome = models.CharField(max_length=30)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(encoder=DjangoJSONEncoder)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["logged_by", "-logged_at"], name="outcome_undo_rep_idx")]

    def __str__(self):
        return f"{self.outcome} on touch {self.touch_id} by {self.logged_by_id}"

    @property
    def outcome_label(self) -> str:
        return CallOutcome(self.outcome).label if self.outcome in CallOutcome.values else ""

    def seconds_left(self, shown: float) -> int:
        """Of the `shown` seconds it is offered for, those left now (0 at least)."""
        left = shown - (timezone.now() - self.logged_at).total_seconds()
        return max(0, round(left))
