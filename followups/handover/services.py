"""Handing a leaving person's work to others, then deactivating them: a few
statements per 5,000 leads (followups.team.services), none per lead."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import Lead, User
from crm.users.services import user_deactivate
from followups.handover.selectors import reps_least_busy_first
from followups.models import Touch
from followups.team import services as team_services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandedOver:
    leads: int
    touches: int
    people: int


@transaction.atomic
def user_deactivate_handing_over(*, user: User, to_user: User | None, by: User) -> HandedOver:
    """Give `user`'s leads (with their open touches) to `to_user`, or, when None,
    deal them out evenly among the active reps, the least busy first; their open
    touches on others' leads go the same way; then deactivate them."""
    if to_user is not None and to_user.pk == user.pk:
        raise ValidationError("Choose someone else to hand the work to.")
    people = [to_user] if to_user is not None else reps_least_busy_first(other_than=user)
    if not people:
        raise ValidationError("There is no other active rep to hand the work to.")
    leads = Lead.objects.filter(owner=user)
    shares = team_services.leads_share_round_robin(leads=leads, people=people, by=by)
    # Touches of theirs left are on leads they do not own: to the first (least busy).
    rest = team_services.touches_reassign(
        touches=Touch.objects.filter(assigned_to=user), to_user=people[0], by=by
    )
    user_deactivate(user=user, by=by)
    handed = HandedOver(
        leads=sum(share.leads for _person, share in shares),
        touches=sum(share.touches for _person, share in shares) + rest.touches,
        people=sum(1 for _person, share in shares if share.leads or share.touches),
    )
    logger.info("%s deactivated %s, handing over %s", by, user, handed)
    return handed
