"""Managers moving work between people: open touches, or whole leads, one person's
or shared out among several (round-robin, or by territory)."""

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from crm.audiences.services import audience_members_update_later
from crm.models import Lead, User
from crm.services import leads_owner_set
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
    return _reassign_ids(list(leads.values_list("pk", flat=True)), to_user=to_user, by=by)


def _reassign_ids(lead_ids: list[int], *, to_user: User, by: User) -> Reassigned:
    """leads_reassign, BATCH leads at a time: a few queries a batch, none per lead."""
    moved = 0
    for start in range(0, len(lead_ids), BATCH):
        batch = lead_ids[start : start + BATCH]
        moved += _move_open_touches(Touch.objects.filter(lead__in=batch), to_user)
        leads_owner_set(lead_ids=batch, owner_id=to_user.pk, by=by)
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


@transaction.atomic
def leads_share_round_robin(
    *, leads: QuerySet[Lead], people: Sequence[User], by: User
) -> list[tuple[User, Reassigned]]:
    """Deal `leads` out to `people` in turn, in the order of the leads' ids: the
    first lead to the first person, the second to the second, and so on, so each
    gets as many as the others give or take one (followups.team.selectors.
    round_robin_shares says how many beforehand). Each lead moves with its open
    touches (leads_reassign)."""
    for person in people:
        _check_reassign(to_user=person, by=by)
    # Ids first: `leads` may be defined by the owner this changes.
    lead_ids = list(leads.order_by("pk").values_list("pk", flat=True))
    return [
        (person, _reassign_ids(lead_ids[turn :: len(people)], to_user=person, by=by))
        for turn, person in enumerate(people)
    ]


@transaction.atomic
def leads_share_by_territory(
    *, leads: QuerySet[Lead], chosen: Mapping[tuple[str, str], User], by: User
) -> list[tuple[User, Reassigned]]:
    """Give each person the leads of the countries and regions chosen for them, each
    keyed (country, region) with region "" for the whole country: a region's person
    takes its leads from its country's, and leads in a country or region no one
    was chosen for keep their owner. Each lead moves with its open touches."""
    for person in chosen.values():
        _check_reassign(to_user=person, by=by)
    lead_ids = {
        person: list(leads.filter(where).order_by("pk").values_list("pk", flat=True))
        for person, where in _territory_filters(chosen).items()
    }
    return [(person, _reassign_ids(ids, to_user=person, by=by)) for person, ids in lead_ids.items()]


def _territory_filters(chosen: Mapping[tuple[str, str], User]) -> dict[User, Q]:
    """Per person, the leads of their countries and regions, as a filter."""
    regions_taken: dict[str, list[str]] = defaultdict(list)
    for country, region in chosen:
        if region:
            regions_taken[country].append(region)
    filters: dict[User, Q] = {}
    for (country, region), person in chosen.items():
        if region:
            where = Q(country=country, region=region)
        else:
            where = Q(country=country) & ~Q(region__in=regions_taken[country])
        filters[person] = filters[person] | where if person in filters else where
    return filters
