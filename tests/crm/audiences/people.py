"""Known leads and what they did, for the audience tests: each name says why it
is (or is not) in an audience."""

import datetime as dt

from crm.models import Interaction, Lead
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
Kind = Interaction.Kind


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours)


def person(first_name: str, **fields) -> Lead:
    return LeadFactory(first_name=first_name, last_name="Test", **fields)


def did(lead: Lead, kind: str, when: dt.datetime, **fields) -> Interaction:
    return InteractionFactory(lead=lead, kind=kind, occurred_at=when, **fields)


def visit(lead: Lead, path: str, when: dt.datetime, seconds=None) -> Interaction:
    data = {} if seconds is None else {"seconds": seconds}
    return did(lead, Kind.WEB_VISIT, when, path=path, data=data)


def expo_2026():
    return CampaignFactory(
        name="Expo 2026", starts_on=dt.date(2026, 3, 10), ends_on=dt.date(2026, 3, 12)
    )
