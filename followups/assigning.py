"""Who works a touch: the lead's owner, or the least busy of the people who may."""

from collections.abc import Callable, Sequence

from django.db.models import Count, QuerySet

from crm.models import Lead, User
from crm.services import lead_owner_claim
from followups.models import Touch


def open_touches_per_person() -> dict[int, int]:
    """How many open touches each person has assigned (those with any), in one query."""
    rows = (
        Touch.objects.filter(status__in=Touch.OPEN, assigned_to__isnull=False)
        .values("assigned_to")
        .annotate(open=Count("id"))
        .order_by()
    )
    return {row["assigned_to"]: row["open"] for row in rows}


def people_with_role(role: str) -> QuerySet[User]:
    return User.objects.filter(groups__name=role, is_active=True)


def lead_assignee(lead: Lead, *, pick: Callable[[], User | None]) -> User | None:
    """Who calls this lead: its owner. An unowned lead goes to whom `pick()`
    chooses (the least busy rep: least_busy), who becomes its owner
    so they can open it."""
    if lead.owner_id is not None:
        return lead.owner
    rep = pick()
    if rep is None:
        return None
    lead_owner_claim(lead=lead, owner=rep)  # if someone was given it meanwhile, they call
    return lead.owner


def least_busy(candidates: Sequence[User] | QuerySet[User]) -> User | None:
    """The active candidate with the fewest open touches (the lowest id on a tie)."""
    active = [user for user in candidates if user.is_active]
    if not active:
        return None
    counts = open_touches_per_person()
    return min(active, key=lambda user: (counts.get(user.pk, 0), user.pk))
