import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from crm.contact import (
    Phone,
    address_lines,
    derive_time_zone,
    time_zone_country,
    validate_time_zone,
)
from crm.names import PersonName, formal_name
from crm.outcomes import outcome_label
from crm.roles import Role


class User(AbstractUser):
    """A person who works in the CRM: a rep, a manager or the mailroom."""

    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Times are shown in it.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def is_manager(self) -> bool:
        return self.is_superuser or Role.MANAGER in self.role_names

    @property
    def is_rep(self) -> bool:
        return Role.REP in self.role_names

    @property
    def is_mailroom(self) -> bool:
        return Role.MAILROOM in self.role_names

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def country(self) -> str:
        """The country the person works in, as its ISO code: their time zone's
        (Europe/Rome is IT), else the CRM's default country (for UTC). Phones of
        this country are shown in national format to them."""
        return time_zone_country(self.time_zone) or settings.CRM_DEFAULT_COUNTRY


ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")

# Profile fields an entry path may supply; an existing lead only gets the empty ones filled.
LEAD_PROFILE_FIELDS = (
    "name_prefix",
    "first_name",
    "last_name",
    "name_suffix",
    "company",
    "title",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
)


class Campaign(models.Model):
    """Where people came from: an event booth, a giveaway, a webinar, ..."""

    class Kind(models.TextChoices):
        EVENT = "event", "Event / booth"
        GIVEAWAY = "giveaway", "Giveaway"
        WEBINAR = "webinar", "Webinar"
        CONTENT = "content", "Content"
        ADS = "ads", "Ads"
        WEBSITE = "website", "Website"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 code; the default for national phone numbers."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name


class Lead(models.Model):
    """A person we may follow up with, and what they allow us to do."""

    class Stage(models.TextChoices):
        NEW = "new", "New"
        WORKING = "working", "Working"
        QUALIFIED = "qualified", "Qualified"
        CUSTOMER = "customer", "Customer"
        LOST = "lost", "Lost"

    class EmailConsent(models.TextChoices):
        NONE = "none", "None"
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    name_prefix = models.CharField(
        max_length=50, blank=True, help_text="Dr., Prof., Mr, Ms, … as the person gave it."
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    name_suffix = models.CharField(max_length=50, blank=True, help_text="Jr., III, PhD, …")
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +14155552671.")
    phone_raw = models.CharField(max_length=64, blank=True, help_text="As the person wrote it.")
    phone_ext = models.CharField(max_length=20, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)

    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="State, province or county.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. US, DE.")
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin; derived from phone or address when empty.",
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    score = models.IntegerField(default=0)
    source_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_leads"
    )

    email_consent = models.CharField(
        max_length=20, choices=EmailConsent.choices, default=EmailConsent.NONE
    )
    email_consent_at = models.DateTimeField(null=True, blank=True)
    email_consent_method = models.CharField(
        max_length=100, blank=True, help_text="How consent was given or withdrawn."
    )
    email_consent_text_version = models.CharField(max_length=50, blank=True)
    do_not_call = models.BooleanField(default=False)
    do_not_mail = models.BooleanField(default=False)
    address_undeliverable_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A letter to this address came back: no letters until the address changes.",
    )
    calls_paused_until = models.DateTimeField(
        null=True, blank=True, help_text="No calls before then (e.g. 'not interested')."
    )
    phone_invalid = models.BooleanField(
        default=False, help_text="The number reached the wrong person or no one."
    )

    # Referrals: a customer's personal code (in their link), and who sent a lead.
    referral_code = models.CharField(max_length=20, null=True, blank=True, unique=True)
    referred_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    score_computed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the score was last worked out (it decays)."
    )
    other_contacts = models.TextField(
        blank=True,
        editable=False,
        help_text="The lead's other emails and phones (its ContactPoints), space-separated, "
        "for search; kept by crm's services.",
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [("merge_lead", "Can merge two leads")]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="lead_unique_email_ci",
                violation_error_message="A lead with this email already exists.",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="lead_phone_idx"),
            models.Index(
                fields=["owner", "-last_activity_at", "-id"], name="lead_owner_activity_idx"
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="lead_activity_idx"),
            # The lead list sorted by score, either way (migration 0018).
            models.Index(fields=["owner", "score", "id"], name="lead_owner_score_idx"),
            models.Index(fields=["score", "id"], name="lead_score_idx"),
            models.Index(fields=["last_name", "first_name", "id"], name="lead_name_idx"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("crm:lead_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.phone or f"Lead #{self.pk}"

    @property
    def person_name(self) -> PersonName:
        return PersonName(self.name_prefix, self.first_name, self.last_name, self.name_suffix)

    @property
    def formal_name(self) -> str:
        """The name with its prefix and suffix, as a heading or an envelope writes
        it ("Dr. Anna Schmidt, PhD"); "" when there is no first or last name."""
        return formal_name(self.person_name)

    @property
    def can_email(self) -> bool:
        return bool(self.email) and self.email_consent == self.EmailConsent.CONFIRMED

    @property
    def can_call(self) -> bool:
        return bool(self.phone) and not (self.do_not_call or self.phone_invalid)

    def fill_blanks(self, *, email: str, phone: Phone | None, profile: dict[str, str]) -> set[str]:
        """Fill the empty fields from new contact data, never overwriting one.
        Returns the names of the fields that changed."""
        changed = set()
        if email and not self.email:
            self.email = email
            changed.add("email")
        if phone and not self.phone:
            self.phone, self.phone_raw, self.phone_ext = phone.e164, phone.raw, phone.extension
            changed |= {"phone", "phone_raw", "phone_ext"}
        for field, value in profile.items():
            if value and not getattr(self, field):
                setattr(self, field, value)
                changed.add(field)
        return changed

    def fill_time_zone(self) -> None:
        """Derive the time zone from the phone or address when none was given."""
        if not self.time_zone:
            self.time_zone = derive_time_zone(
                phone=self.phone, country=self.country, region=self.region
            )

    @property
    def postal_address_key(self) -> tuple[str, ...]:
        """The address as compared to tell whether it changed."""
        return tuple(" ".join(getattr(self, name).split()).casefold() for name in ADDRESS_FIELDS)

    @property
    def has_postal_address(self) -> bool:
        return all((self.address_line1, self.city, self.country))

    @property
    def address_lines(self) -> list[str]:
        return address_lines(
            line1=self.address_line1,
            line2=self.address_line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=self.country,
        )


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
        crm.sentences.describe_all, which also looks up a cart's items and a visit's
        site; alone, an interaction is told without them."""
        from crm.sentences import describe  # it imports this module

        return describe(self)


class LeadMerge(models.Model):
    """The record of a duplicate folded into a lead by a manager."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="merges")
    duplicate_id = models.BigIntegerField(
        help_text="The id the duplicate had; it no longer exists."
    )
    duplicate_snapshot = models.JSONField(help_text="The duplicate's fields before the merge.")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self):
        return f"Lead #{self.duplicate_id} merged into #{self.lead_id}"


class ContactPoint(models.Model):
    """Another email address or phone number of a lead, beside its main ones: a
    second phone column (work, home), a second address in an email cell. Matched
    like the main ones by every way in (crm.dedupe), and searched through
    Lead.other_contacts."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        max_length=254, help_text="What matching compares: the email lowercased, or E.164."
    )
    raw = models.CharField(max_length=254, blank=True, help_text="As the person wrote it.")
    extension = models.CharField(max_length=20, blank=True)
    label = models.CharField(
        max_length=100, blank=True, help_text="Where it came from, e.g. Work Phone."
    )
    lead_import = models.ForeignKey(
        "LeadImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_points",
        help_text="The import that added it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind", "value"], name="contactpoint_unique_per_lead"
            )
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contactpoint_match_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value} of lead {self.lead_id}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'website forms'.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="To recognise it.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)


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


class PeriodicRun(models.Model):
    """When a periodic task (crm.periodic) was last queued."""

    name = models.CharField(max_length=100, unique=True)
    last_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


# Website tracking, audiences, the audit trail and scoring live beside their code; imported here
# so Django loads them with the app.
from crm.audiences.models import Audience, AudienceMember  # noqa: E402, F401
from crm.audit.models import AuditEntry  # noqa: E402, F401
from crm.privacy.models import Erasure  # noqa: E402, F401
from crm.retargeting.models import (  # noqa: E402, F401
    AdAudienceMember,
    AdConnection,
    AdSyncLog,
    AudienceAdLink,
)
from crm.scoring.models import ScoringRule  # noqa: E402, F401
from crm.tracking.models import Cart, Site, Visitor, WebEvent  # noqa: E402, F401
