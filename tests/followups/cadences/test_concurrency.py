"""Two triggers arriving at once enrol the lead once (PostgreSQL, real threads)."""

import pytest

from crm.models import Interaction
from followups.cadences.models import Channel, Enrolment
from followups.cadences.services import enrolment_create
from followups.models import Touch
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.concurrency import run_at_once

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_triggers_at_once_enrol_once(postgres):
    cadence = cadence_with({"channel": Channel.EMAIL}, {"channel": Channel.TASK})
    lead = LeadFactory()
    visits = [InteractionFactory(lead=lead, kind=Interaction.Kind.BOOTH_VISIT) for _ in range(2)]

    results = run_at_once(
        [
            lambda visit=visit: enrolment_create(
                cadence=cadence, lead=lead, source="booth", interaction=visit
            )
            for visit in visits
        ],
        model=Enrolment,
    )

    assert sorted(result is None for result in results) == [False, True]
    assert Enrolment.objects.filter(cadence=cadence, lead=lead).count() == 1
    assert Touch.objects.filter(lead=lead, enrolment__cadence=cadence).count() == 1
