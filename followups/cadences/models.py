"""Cadences: a multi-channel play a manager designs (steps on any channel, with
waits), what enrols people in it (triggers, an audience), what call outcomes do
to it (outcome policies), and each person's way through it (enrolments)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead


class Channel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    PERSONAL_EMAIL = "personal_email", "Personal email"
    LETTER = "letter", "Letter"
    TASK = "task", "Task"
    ADS = "ads", "Ads"


# Worked by a person from the queue; the others are delivered by the scheduler.
REP_CHANNELS = (Channel.CALL, Channel.PERSONAL_EMAIL, Channel.TASK)


class ExitCondition(models.TextChoices):
    """What ends a lead's way through a cadence (set per cadence)."""

    REPLIED = "replied", "They reply to an email"
    MEETING = "meeting", "A meeting is booked"
    PURCHASE = "purchase", "They buy"
    UNSUBSCRIBED = "unsubscribed", "They unsubscribe"
    BOUNCED = "bounced", "An email to them bounces"
    DO_NOT_CALL = "do_not_call", "They ask not to be called"
    DO_NOT_MAIL = "do_not_mail", "They ask for no letters"


DEFAULT_EXITS = [
    ExitCondition.REPLIED,
    ExitCondition.MEETING,
    ExitCondition.UNSUBSCRIBED,
    ExitCondition.BOUNCED,
]


def default_exits() -> list[str]:
    return [str(condition) for condition in DEFAULT_EXITS]


class Cadence(models.Model):
    """A play: ordered steps on any channel, for whoever its triggers, its audience
    or a person enrol."""

    class Assign(models.TextChoices):
        OWNER = "owner", "The lead's owner (or the least busy rep)"
        MANAGER = "manager", "A manager"
        REPS = "reps", "The least busy of the chosen reps"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Also its emails' List-Id.")
    description = models.TextField(blank=True)
    is_active = models.BooleanField(
        default=False, help_text="Off: nobody new is enrolled; those in it go on."
    )
    exit_on = models.JSONField(
        default=default_exits, blank=True, help_text="ExitCondition values that end it."
    )
    audience = models.ForeignKey(
        "crm.Audience",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Whoever joins this audience is enrolled, now and later.",
    )
    exit_on_audience_leave = models.BooleanField(
        default=False, help_text="Leaving the audience ends it."
    )
    assign = models.CharField(max_length=10, choices=Assign.choices, default=Assign.OWNER)
    reps = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    installed = models.CharField(
        max_length=50, blank=True, help_text="The installed play it started as, if any."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["installed"],
                condition=~models.Q(installed=""),
                name="cadence_installed_once",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cadences:detail", args=[self.pk])

    def exits_on(self, condition: str) -> bool:
        return condition in (self.exit_on or ())


class CadenceTrigger(models.Model):
    """An interaction that enrols its lead: of a kind, optionally in a campaign, with
    a sentiment, a value in its data, or only the first of its kind for the lead.
    An ending trigger does the opposite: such an interaction ends the enrolment
    (an app user who creates a first project leaves the onboarding play)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=30, choices=Interaction.Kind.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sentiment = models.CharField(
        max_length=10, choices=Interaction.Sentiment.choices, blank=True, help_text="Empty: any."
    )
    data_key = models.CharField(
        max_length=50, blank=True, help_text="A field of the interaction's data, e.g. name, asset."
    )
    data_value = models.CharField(
        max_length=200, blank=True, help_text="Its value, e.g. signed_up."
    )
    first_of_kind = models.BooleanField(
        default=False,
        help_text="Only the lead's first interaction of this kind (a first purchase).",
    )
    ends = models.BooleanField(
        default=False, help_text="Such an interaction ends the cadence instead of starting it."
    )

    class Meta:
        ordering = ["cadence", "kind", "pk"]
        indexes = [models.Index(fields=["kind"], name="cadence_trigger_kind_idx")]

    def __str__(self):
        return f"{self.cadence}: {self.describe()}"

    def describe(self) -> str:
        named_event = self.kind == Interaction.Kind.APP_EVENT and self.data_key == "name"
        if named_event and self.data_value:
            words = [f"App event “{self.data_value}”"]
        else:
            words = [self.get_kind_display()]
        if self.first_of_kind:
            words[0] = "First " + words[0][0].lower() + words[0][1:]
        if self.campaign_id:
            words.append(f"in {self.campaign}")
        if self.sentiment:
            words.append(f"({self.get_sentiment_display().lower()})")
        if self.data_key and self.data_value and not named_event:
            words.append(f"where {self.data_key} is “{self.data_value}”")
        return " ".join(words)


class WaitUnit(models.TextChoices):
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    DAYS = "days", "days"
    BUSINESS_DAYS = "business_days", "business days"
    MONTHS = "months", "months"


class CadenceStep(models.Model):
    """One touch of the play, a wait after the step before (or after enrolment)."""

    class After(models.TextChoices):
        PREVIOUS = "previous", "after the step before"
        ENROLMENT = "enrolment", "after enrolment"

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    wait = models.PositiveIntegerField(default=0)
    wait_unit = models.CharField(max_length=20, choices=WaitUnit.choices, default=WaitUnit.HOURS)
    wait_after = models.CharField(max_length=20, choices=After.choices, default=After.PREVIOUS)
    at_local_time = models.TimeField(
        null=True, blank=True, help_text="At this time of day in the lead's zone (on or after)."
    )
    priority = models.SmallIntegerField(default=50, help_text="Higher comes first in the queue.")
    script = models.TextField(
        blank=True, help_text="A call's talking points, or what a task asks the rep to do."
    )
    repeat_from = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="After this step, go back to the step at this position (a reminder).",
    )
    # An ads step: the lead goes on this destination (crm.retargeting) for ad_days.
    # Its connection deleted, the step has none: it is skipped, saying so.
    ad_link = models.ForeignKey(
        "crm.AudienceAdLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The ad audience the lead is shown ads in.",
    )
    ad_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For how many days, 1 to 365."
    )

    class Meta:
        ordering = ["cadence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "position"], name="cadence_step_position")
        ]

    def __str__(self):
        return f"{self.cadence}, step {self.position}"

    def describe_wait(self) -> str:
        if not self.wait:
            text = "at once" if self.wait_after == self.After.ENROLMENT else "straight after"
        else:
            unit = self.get_wait_unit_display()
            if self.wait == 1:
                unit = unit.removesuffix("s")
            text = f"{self.wait} {unit} {self.get_wait_after_display()}"
        if self.at_local_time is not None:
            text += f", at {self.at_local_time:%H:%M} their time"
        return text


class OutcomePolicy(models.Model):
    """What a call outcome does to the cadence (Salesforce's "tracks")."""

    class Action(models.TextChoices):
        NEXT = "next", "Go on to the next step"
        RETRY = "retry", "Try the step again"
        JUMP = "jump", "Jump to a step"
        FINISH = "finish", "Finish the cadence"
        MOVE = "move", "Move the lead to another cadence"

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="policies")
    outcome = models.CharField(max_length=30, help_text="A call outcome code (crm.outcomes).")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.NEXT)
    retry_cap = models.PositiveSmallIntegerField(
        default=3, help_text="Tries of the step in all; then the cadence goes on."
    )
    retry_wait = models.PositiveIntegerField(default=1)
    retry_wait_unit = models.CharField(
        max_length=20, choices=WaitUnit.choices, default=WaitUnit.BUSINESS_DAYS
    )
    jump_to = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The step's position."
    )
    move_to = models.ForeignKey(
        Cadence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["cadence", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "outcome"], name="outcome_policy_once")
        ]

    def __str__(self):
        return f"{self.cadence}: {self.outcome} → {self.get_action_display()}"


class Enrolment(models.Model):
    """One lead's way through one cadence."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"
        EXITED = "exited", "Exited"

    OPEN = (Status.ACTIVE, Status.PAUSED)

    # No index of their own: Meta's lead with each (an import writes thousands a batch).
    cadence = models.ForeignKey(
        Cadence, on_delete=models.CASCADE, related_name="enrolments", db_index=False
    )  # cadence_enrolment_idx
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="cadence_enrolments", db_index=False
    )  # cadence_enrolment_lead_idx
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    step = models.ForeignKey(
        CadenceStep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The step it is on (whose touch is planned).",
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=200, help_text="What enrolled the lead.")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # Never twice in the same cadence at the same time.
            models.UniqueConstraint(
                fields=["cadence", "lead"],
                condition=models.Q(status__in=["active", "paused"]),
                name="cadence_enrolment_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["lead", "status"], name="cadence_enrolment_lead_idx"),
            models.Index(fields=["cadence", "status"], name="cadence_enrolment_idx"),
        ]

    def __str__(self):
        return f"{self.lead} in {self.cadence}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AdRun(models.Model):
    """A lead put on an ad destination by an ads step, until a day: taken off
    then, or sooner when their enrolment ends (removed_at says when, and why)."""

    touch = models.OneToOneField("followups.Touch", on_delete=models.CASCADE, related_name="ad_run")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="ad_runs")
    link = models.ForeignKey("crm.AudienceAdLink", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(CadenceStep, null=True, on_delete=models.SET_NULL, related_name="+")
    until = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["until"],
                condition=models.Q(removed_at__isnull=True),
                name="ad_run_due_removal_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} on {self.link_id} until {self.until:%Y-%m-%d}"
