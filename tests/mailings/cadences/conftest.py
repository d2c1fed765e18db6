"""The booth cadence the cadence pages' tests look at, and Dana, who is in it."""

import pytest

from crm.models import Interaction
from followups.cadences.models import CadenceTrigger, Channel
from followups.cadences.services import enrolment_create
from tests.followups.cadences.factories import cadence_with
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory

Kind = Interaction.Kind


@pytest.fixture
def booth(db):
    """Call, email (A/B), letter: a cadence with people in it."""
    cadence = cadence_with(
        {"channel": Channel.CALL},
        {"channel": Channel.EMAIL, "wait": 2, "wait_unit": "days"},
        {"channel": Channel.LETTER, "wait": 5, "wait_unit": "days"},
        name="Booth follow-up",
    )
    CadenceTrigger.objects.create(cadence=cadence, kind=Kind.BOOTH_VISIT)
    email = cadence.steps.get(position=2)
    StepVariantFactory(step=email, label="A", subject="Thanks for visiting")
    StepVariantFactory(step=email, label="B", subject="Good to meet you")
    return cadence


@pytest.fixture
def dana(booth):
    lead = ConsentingLeadFactory(first_name="Dana", last_name="Whitfield", phone="+12125550100")
    return enrolment_create(cadence=booth, lead=lead, source="Visited the booth")
