"""The current lockouts, read from django-axes' access attempts: a username or an
address whose failures within the cool-off reach the limit, as axes counts them
(AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]])."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Min, Sum
from django.utils import timezone

PARAMETERS = {"username": "Username", "ip_address": "Address"}


@dataclass(frozen=True)
class Lockout:
    parameter: str
    value: str
    failures: int
    first_failed_at: datetime
    last_failed_at: datetime

    @property
    def parameter_label(self) -> str:
        return PARAMETERS[self.parameter]

    @property
    def lifts_at(self) -> datetime:
        """Each failure during the lock starts the cool-off again (axes' default)."""
        return self.last_failed_at + settings.AXES_COOLOFF_TIME


def lockouts_current() -> list[Lockout]:
    recent = AccessAttempt.objects.filter(
        attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME
    )
    lockouts = []
    for parameter in PARAMETERS:
        groups = (
            recent.exclude(**{f"{parameter}__isnull": True})
            .values(parameter)
            .annotate(
                failures=Sum("failures_since_start"),
                first=Min("attempt_time"),
                last=Max("attempt_time"),
            )
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last")
        )
        lockouts += [
            Lockout(parameter, group[parameter], group["failures"], group["first"], group["last"])
            for group in groups
        ]
    return lockouts
