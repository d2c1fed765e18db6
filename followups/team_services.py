"""Managers moving work between people: open touches, or whole leads."""

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.audiences.services import audience_members_update_later
from crm.models import Lead, User
from followups.models import Channel, Touch

logger = logging.getLogger(__name__)

BATCH = 5000  # ids per IN (...): SQLite allows 32,766 parameters a statement


@dataclass(frozen=True)
class Reassigned:
    touches: int
    leads: int = 0


@transaction.atomic
def touches_reassign(*, touches: QuerySet[Touch], to_user: User, by: User) -> Reassigned:
    """Give the open ones among `touches` to `to_user`. A call someone has claimed
    goes back to pending, now in the new person's queue; the leads keep their
    owner (see leads_reassign to move those too)."""
    _check_reassign(to_user=to_user, by=by)
    moved = _move_open_touches(Touch.objects.filter(pk__in=touches.values("pk")), to_user)
    logger.info("%s gave %d open touches to %s", by, moved, to_user)
    return Reassigned(touches=moved)


@transaction.atomic
def leads_reassign(*, leads: QuerySet[Lead], to_user: User, by: User) -> Reassigned:
    """Make `to_user` the owner of `leads`, so they can open them, and give them
    every open touch of those leads (claimed calls go back to pending)."""
    _check_reassign(to_user=to_user, by=by)
    # Ids first: `leads` may be defined by the owner this changes.
    lead_ids = list(leads.values_list("pk", flat=True))
    moved = 0
    for start in range(0, len(lead_ids), BATCH):
        batch = lead_ids[start : start + BATCH]
        moved += _move_open_touches(Touch.objects.filter(lead__in=batch), to_user)
        Lead.objects.filter(pk__in=batch).update(owner=to_user, updated_at=timezone.now())
    audience_members_update_later(lead_ids=lead_ids)  # audiences by owner
    logger.info("%s gave %d leads and %d open touches to %s", by, len(lead_ids), moved, to_user)
    return Reassigned(touches=moved, leads=len(lead_ids))


def _check_reassign(*, to_user: User, by: User) -> None:
    if not by.is_manager:
        raise PermissionDenied("Only managers move work between people.")
    if not to_user.is_active or not (to_user.is_rep or to_user.is_manager):
        raise ValidationError(f"{to_user.display_name} cannot be given calls.")


def _move_open_touches(touches: QuerySet[Touch], to_user: User) -> int:
    open_touches = touches.filter(status__in=Touch.OPEN)
    calls = open_touches.filter(channel=Channel.CALL).update(
        assigned_to=to_user, status=Touch.Status.PENDING, claimed_by=None, claimed_at=None
    )
    # An email or letter claimed by the scheduler is being delivered: leave its claim.
    others = open_touches.exclude(channel=Channel.CALL).update(assigned_to=to_user)
    return calls + others
