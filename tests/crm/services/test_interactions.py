"""Recording interactions: one, many at once, and the set-based way."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, Lead
from crm.services import Happened, interaction_record, interactions_record, interactions_record_many
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_same_external_id_twice_records_one_interaction():
    lead = LeadFactory()

    first, first_created = interaction_record(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, source="website", external_id="evt-1"
    )
    again, again_created = interaction_record(
        lead=lead, kind=Interaction.Kind.WEB_VISIT, source="website", external_id="evt-1"
    )

    assert (first_created, again_created) == (True, False)
    assert again.pk == first.pk
    assert lead.interactions.count() == 1


def test_the_same_external_id_from_another_source_is_another_interaction():
    lead = LeadFactory()

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="website", external_id="1")
    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="helpdesk", external_id="1")

    assert lead.interactions.count() == 2


def test_an_app_event_is_recorded_with_its_name_and_refused_without_one():
    lead = LeadFactory()

    signed_up, _ = interaction_record(
        lead=lead, kind=Interaction.Kind.APP_EVENT, data={"name": "signed_up\n"}, source="app"
    )
    with pytest.raises(ValidationError) as refused:
        interaction_record(lead=lead, kind=Interaction.Kind.APP_EVENT, data={"plan": "pro"})

    assert signed_up.data == {"name": "signed_up"}
    assert str(signed_up).startswith(f"App event: signed_up — {lead.pk} at ")
    assert list(refused.value.message_dict) == ["data.name"]
    assert lead.interactions.count() == 1


def test_last_activity_moves_forward_only():
    now = timezone.now()
    lead = LeadFactory(last_activity_at=now - timedelta(days=10))

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, occurred_at=now - timedelta(days=2))
    lead.refresh_from_db()
    assert lead.last_activity_at == now - timedelta(days=2)

    interaction_record(lead=lead, kind=Interaction.Kind.NOTE, occurred_at=now - timedelta(days=5))
    lead.refresh_from_db()
    assert lead.last_activity_at == now - timedelta(days=2)


def test_an_interaction_campaign_becomes_the_source_of_a_lead_without_one():
    lead = LeadFactory(source_campaign=None)
    campaign, later = CampaignFactory(), CampaignFactory()

    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, campaign=campaign)
    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, campaign=later)

    lead.refresh_from_db()
    assert lead.source_campaign == campaign


def test_many_interactions_at_once_skip_those_recorded_and_move_each_lead_on():
    now = timezone.now()
    old, fresh = now - timedelta(days=10), now - timedelta(days=1)
    first, second = LeadFactory(last_activity_at=old), LeadFactory(last_activity_at=now)
    campaign = CampaignFactory()
    interaction_record(lead=first, kind=Interaction.Kind.NOTE, source="shop", external_id="a")
    Lead.objects.filter(pk=first.pk).update(last_activity_at=old, source_campaign=None)

    def note(lead, key, at, **fields):
        return Interaction(
            lead=lead, kind="note", occurred_at=at, source="shop", external_id=key, **fields
        )

    recorded = interactions_record(
        [
            note(first, "a", now),  # recorded already: skipped
            note(first, "b", fresh - timedelta(hours=1), campaign=campaign),
            note(first, "c", fresh),
            note(second, "d", fresh),  # older than the lead's last activity
        ]
    )

    assert [interaction.external_id for interaction in recorded] == ["b", "c", "d"]
    assert first.interactions.count() == 3
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_activity_at, first.source_campaign) == (fresh, campaign)
    assert second.last_activity_at == now


def test_an_unknown_kind_is_refused():
    lead = LeadFactory()

    with pytest.raises(ValidationError) as caught:
        interaction_record(lead=lead, kind="telepathy")

    assert "kind" in caught.value.message_dict
    assert not Interaction.objects.exists()


def test_interactions_recorded_many_are_the_rows_interactions_record_writes():
    """interactions_record_many (on PostgreSQL one INSERT … SELECT FROM unnest)
    against interactions_record, on the same input: the same interactions, the
    one recorded already skipped, the same leads afterwards (their activity
    times, and whatever the hooks job changed, at the same moment)."""
    now = timezone.now()
    first, second = LeadFactory(last_activity_at=now), LeadFactory(last_activity_at=now)
    InteractionFactory(lead=first, kind="email_sent", source="cadence", external_id="outbox:1")
    happened = [
        Happened(first.pk, now - timedelta(hours=1), "Hello", {"outbox": 1}, "outbox:1"),
        Happened(first.pk, now + timedelta(hours=1), "Hi", {"outbox": 2, "step": 1}, "outbox:2"),
        Happened(second.pk, now - timedelta(days=1), "Older", {"variant": "B"}, "outbox:3"),
        Happened(second.pk, now + timedelta(hours=2), "", {"personal": True}, ""),
    ]
    as_objects = [
        Interaction(
            lead_id=h.lead_id,
            kind="email_sent",
            occurred_at=h.occurred_at,
            notes=h.notes,
            data=h.data,
            source="cadence",
            external_id=h.external_id,
        )
        for h in happened
    ]

    with time_machine.travel(now, tick=False):
        one_by_one, leads_one_by_one = recorded_by(lambda: interactions_record(as_objects))
        many, leads_many = recorded_by(
            lambda: interactions_record_many(kind="email_sent", source="cadence", happened=happened)
        )

    assert many == one_by_one
    assert [row["external_id"] for row in many] == ["outbox:1", "outbox:2", "outbox:3", ""]
    assert leads_many == leads_one_by_one
    assert leads_many[first.pk]["last_activity_at"] == now + timedelta(hours=1)


def recorded_by(record) -> tuple[list[dict], dict[int, dict]]:
    """The interactions and leads after `record()`, then taken back."""
    columns = [f.attname for f in Interaction._meta.concrete_fields]
    columns = [name for name in columns if name not in ("id", "created_at")]
    with transaction.atomic():
        record()
        interactions = list(Interaction.objects.order_by("pk").values(*columns))
        leads = {lead["id"]: lead for lead in Lead.objects.values()}
        transaction.set_rollback(True)
    return interactions, leads
