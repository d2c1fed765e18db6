import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from crm.models import Interaction, Lead, LeadImport
from tests.crm.imports.undo.booth import BOOTH_LIST, IMPORTED_AT
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory


@pytest.fixture
def clock():
    with time_machine.travel(IMPORTED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expo(db):
    """The event, two days before the list is imported: its visits are dated then."""
    return CampaignFactory(name="Expo 2026", starts_on=dt.date(2026, 3, 8), country="US")


@pytest.fixture
def kim(db):
    """A lead from before the event: the import fills her empty fields."""
    lead = LeadFactory(
        email="kim.lee@contoso.example",
        first_name="Kim",
        last_name="",
        company="",
        title="Head of Buying",
        country="",
        time_zone="",
    )
    InteractionFactory(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, occurred_at=IMPORTED_AT - dt.timedelta(days=30)
    )
    Lead.objects.filter(pk=lead.pk).update(last_activity_at=IMPORTED_AT - dt.timedelta(days=30))
    return lead


@pytest.fixture
def imported(tmp_path, clock, expo, kim, rep_alice) -> LeadImport:
    """The list imported; then an hour passes."""
    path = tmp_path / "expo-2026-leads.csv"
    path.write_text(BOOTH_LIST, encoding="utf-8")
    call_command("import_leads", str(path), "--event", "Expo 2026", stdout=StringIO())
    clock.shift(dt.timedelta(hours=1))
    return LeadImport.objects.get()
