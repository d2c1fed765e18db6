"""A lead: a person we follow up, with their contact data, consent and stage; the
campaigns that bring leads; merges of duplicates; a lead's other emails and phones."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from crm.contact import (
    Phone,
    address_lines,
    derive_time_zone,
    validate_time_zone,
)
from crm.names.person import PersonName, formal_name

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
        # lead_owner_score_idx leads with it: one index fewer written at every
        # change of a lead that moves its row (a batch's scores and owners).
        db_index=False,
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
