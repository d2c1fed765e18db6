"""How an interaction moves a lead along its stages, forward only."""

import pytest

from crm.models import Interaction, Lead
from crm.services import interaction_record
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stage", "kind", "new_stage"),
    [
        (Lead.Stage.NEW, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.QUALIFIED, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.LOST, Interaction.Kind.PURCHASE, Lead.Stage.CUSTOMER),
        (Lead.Stage.NEW, Interaction.Kind.MEETING, Lead.Stage.QUALIFIED),
        (Lead.Stage.WORKING, Interaction.Kind.MEETING, Lead.Stage.QUALIFIED),
        (Lead.Stage.NEW, Interaction.Kind.CALL, Lead.Stage.WORKING),
        (Lead.Stage.NEW, Interaction.Kind.EMAIL_REPLIED, Lead.Stage.WORKING),
    ],
)
def test_an_interaction_moves_the_lead_forward(stage, kind, new_stage):
    lead = LeadFactory(stage=stage)

    interaction_record(lead=lead, kind=kind)

    lead.refresh_from_db()
    assert lead.stage == new_stage


@pytest.mark.parametrize(
    ("stage", "kind"),
    [
        (Lead.Stage.CUSTOMER, Interaction.Kind.MEETING),
        (Lead.Stage.CUSTOMER, Interaction.Kind.CALL),
        (Lead.Stage.QUALIFIED, Interaction.Kind.CALL),
        (Lead.Stage.WORKING, Interaction.Kind.CALL),
        (Lead.Stage.NEW, Interaction.Kind.NOTE),
    ],
)
def test_an_interaction_never_moves_the_lead_back(stage, kind):
    lead = LeadFactory(stage=stage)

    interaction_record(lead=lead, kind=kind)

    lead.refresh_from_db()
    assert lead.stage == stage
