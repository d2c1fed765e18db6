"""The people who use the CRM, with their role (crm.roles)."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from crm.contact import (
    time_zone_country,
    validate_time_zone,
)
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
