"""The team pages' tests' helpers: a Tuesday afternoon (11:00 in New York), a
person's leads with phones, and open touches and logged calls for them."""

import datetime as dt
import itertools

import pytest
import time_machine

from crm.models import Interaction, Lead
from followups.models import Channel, Touch
from tests.factories import InteractionFactory, LeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
NEW_YORK_MIDNIGHT = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)  # EDT since 8 March
KEYS = itertools.count()
PHONES = itertools.count(1000)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def lead_of(owner, **fields) -> Lead:
    return LeadFactory(owner=owner, phone=f"+1212555{next(PHONES):04d}", **fields)


def touch(user, *, lead=None, channel=Channel.CALL, hours=-1, **fields) -> Touch:
    """An open touch assigned to `user`, due `hours` from now (negative: overdue)."""
    return Touch.objects.create(
        lead=lead or lead_of(user),
        channel=channel,
        due_at=NOW + dt.timedelta(hours=hours),
        assigned_to=user,
        reason=fields.pop("reason", "Downloaded the pricing guide"),
        origin=fields.pop("origin", "Test"),
        key=f"test:{next(KEYS)}",
        **fields,
    )


def logged_call(user, outcome: str, *, at: dt.datetime = NOW, kind=Interaction.Kind.CALL):
    return InteractionFactory(
        lead=lead_of(user), kind=kind, outcome=outcome, user=user, occurred_at=at
    )
