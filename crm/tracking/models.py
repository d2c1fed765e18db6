"""Website tracking: the sites that carry the snippet, their visitors (anonymous
until they identify themselves), what those visitors did before they had a
lead, and carts (abandoned when no purchase follows in time)."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from crm.tracking.origins import origins_parse


def new_site_key() -> str:
    return secrets.token_urlsafe(12)


class Site(models.Model):
    """A website with the tracking snippet. Its key is public (it is in the page);
    only its origins may send events."""

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=32, unique=True, default=new_site_key, editable=False)
    origins = models.TextField(
        help_text="One origin per line, e.g. https://www.example.com. Events from other "
        "origins are refused."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:detail", args=[self.pk])

    @property
    def origin_list(self) -> list[str]:
        return origins_parse(self.origins)

    @property
    def allowed_origins(self) -> set[str]:
        return set(origins_parse(self.origins))

    @property
    def snippet_tag(self) -> str:
        """The tag to paste into every page of the site (as text: escape it to show it)."""
        src = settings.SITE_URL + reverse("tracking:snippet")
        return f'<script async src="{src}" data-site="{self.key}"></script>'


class Visitor(models.Model):
    """A browser on a site, by the first-party id the snippet keeps in a cookie."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="visitors")
    uid = models.CharField(max_length=64)
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors"
    )
    referral_code = models.CharField(
        max_length=20, blank=True, help_text="The referral code it arrived with."
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    identified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "uid"], name="visitor_unique_per_site")
        ]
        indexes = [
            models.Index(fields=["lead"], name="visitor_lead_idx"),
            # The Websites list: a site's latest visitor and those of the last 30 days.
            models.Index(fields=["site", "last_seen_at"], name="visitor_site_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}:{self.uid}"


class WebEvent(models.Model):
    """What an anonymous visitor did, kept until it joins a lead's timeline (then
    it points at the Interaction it became)."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", "Page view"
        CART_ADD = "cart_add", "Added to cart"
        CHECKOUT_STARTED = "checkout_started", "Checkout started"
        PURCHASE = "purchase", "Purchase"
        CONTENT_DOWNLOAD = "content_download", "Content download"
        APP_EVENT = "app_event", "App event"

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    path = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=200, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Time on the page.")
    cart_id = models.CharField(max_length=100, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    interaction = models.ForeignKey(
        "crm.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["visitor", "occurred_at"], name="webevent_visitor_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.path} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Cart(models.Model):
    """A visitor's cart: open until a purchase, abandoned when none follows in
    time (TRACKING_CART_ABANDON_MINUTES after its last activity)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PURCHASED = "purchased", "Purchased"
        ABANDONED = "abandoned", "Abandoned"

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="carts")
    cart_id = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    purchased_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    abandoned_recorded = models.BooleanField(
        default=False, help_text="A cart_abandoned interaction is on the lead's timeline."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visitor", "cart_id"], name="cart_unique_per_visitor")
        ]
        indexes = [models.Index(fields=["status", "last_activity_at"], name="cart_due_idx")]

    def __str__(self) -> str:
        return f"{self.cart_id} ({self.status})"
