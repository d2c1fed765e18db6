"""Switching a cadence on or off from its pages. Switching on enrols, set-based,
the members of its audience who are not in it yet and, when asked, those whose
trigger happened in the last days (the triggers enrol only while it is on)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from crm.models import Campaign, User
from followups.cadences.audiences import cadence_audience_sync
from followups.cadences.bulk import enrolments_create_bulk
from followups.cadences.models import Cadence
from followups.cadences.services import cadence_active_set
from mailings.cadences.joiners import event_trigger_leads, recent_trigger_leads


@dataclass(frozen=True)
class SwitchedOn:
    from_triggers: int  # enrolled for a trigger in the last days
    from_audience: int


@transaction.atomic
def cadence_switch_on(
    *, cadence: Cadence, by: User, recent_days: int | None, now: dt.datetime | None = None
) -> SwitchedOn:
    """Switch the cadence on; enrol whose trigger happened in the last `recent_days`
    days (none when None) and the audience's members not in it."""
    now = now or timezone.now()
    cadence_active_set(cadence=cadence, active=True, by=by, now=now)
    from_triggers = 0
    if recent_days:
        plural = "s" if recent_days != 1 else ""
        from_triggers = enrolments_create_bulk(
            cadence=cadence,
            leads=recent_trigger_leads(cadence, since=now - dt.timedelta(days=recent_days)),
            source=f"Its trigger in the last {recent_days} day{plural}, enrolled when "
            f"{by.display_name} switched the cadence on",
            by=by,
            now=now,
        )
    return SwitchedOn(from_triggers, cadence_audience_sync(cadence=cadence))


def cadence_switch_off(*, cadence: Cadence, by: User | None = None) -> None:
    """Nobody new is enrolled (triggers, audience); those in it go on."""
    cadence_active_set(cadence=cadence, active=False, by=by, now=timezone.now())


@transaction.atomic
def cadence_enrol_event(
    *, cadence: Cadence, campaign: Campaign, by: User, now: dt.datetime | None = None
) -> SwitchedOn:
    """Enrol, set-based, the people already at `campaign` whom the cadence's
    triggers for it would have enrolled; switch it on first if it is off (which
    enrols its audience too: cadence_switch_on)."""
    now = now or timezone.now()
    from_audience = 0
    if not cadence.is_active:
        from_audience = cadence_switch_on(
            cadence=cadence, by=by, recent_days=None, now=now
        ).from_audience
    enrolled = enrolments_create_bulk(
        cadence=cadence,
        leads=event_trigger_leads(cadence, campaign),
        source=f"Already at {campaign.name} when {by.display_name} enrolled them",
        by=by,
        now=now,
    )
    return SwitchedOn(from_triggers=enrolled, from_audience=from_audience)
