"""Reads for handing someone's work over."""

from dataclasses import dataclass

from django.db.models import QuerySet

from crm.models import Lead, User
from crm.roles import Role
from followups.assigning import open_touches_per_person
from followups.models import Touch


@dataclass(frozen=True)
class Work:
    leads: int
    open_touches: int


def work_of(user: User) -> Work:
    return Work(
        leads=Lead.objects.filter(owner=user).count(),
        open_touches=Touch.objects.filter(assigned_to=user, status__in=Touch.OPEN).count(),
    )


def takers_other_than(user: User) -> QuerySet[User]:
    """Who may be given someone's leads and calls: the active reps and managers."""
    return (
        User.objects.filter(groups__name__in=[Role.REP, Role.MANAGER], is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def reps_least_busy_first(*, other_than: User) -> list[User]:
    """The active reps but `other_than`, the fewest open touches first (the lowest
    id on a tie, as followups.assigning.least_busy picks)."""
    counts = open_touches_per_person()
    reps = User.objects.filter(groups__name=Role.REP, is_active=True).exclude(pk=other_than.pk)
    return sorted(reps, key=lambda rep: (counts.get(rep.pk, 0), rep.pk))
