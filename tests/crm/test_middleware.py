import datetime as dt

from crm.models import Interaction
from tests.factories import InteractionFactory, LeadFactory


def test_a_rep_sees_timeline_times_in_their_own_time_zone(client, rep_alice):
    rep_alice.time_zone = "Europe/Berlin"
    rep_alice.save()
    lead = LeadFactory(owner=rep_alice)
    InteractionFactory(
        lead=lead,
        kind=Interaction.Kind.CALL,
        occurred_at=dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC),
    )
    client.force_login(rep_alice)

    page = client.get(lead.get_absolute_url()).content.decode()

    assert "Thu 15 Jan 2026, 10:30" in page
