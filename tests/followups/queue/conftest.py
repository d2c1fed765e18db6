"""The queue's service tests' fixtures: the clock on a Tuesday afternoon in New
York, and a call Alice has just claimed (alone, or a cadence's first step)."""

import pytest
import time_machine

from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from followups.queue.services import call_claim_next
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory
from tests.followups.queue.calls import NOW, due_call


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def call(db, clock, rep_alice) -> Touch:
    """The call Alice has just claimed from her queue."""
    due_call(rep_alice)
    return call_claim_next(user=rep_alice)


@pytest.fixture
def cadence_call(db, clock, rep_alice) -> Touch:
    """The call Alice has just claimed: the first step of a cadence of a call then
    an email."""
    cadence = cadence_with({"channel": Channel.CALL}, {"channel": Channel.EMAIL})
    lead = CallableLeadFactory(owner=rep_alice)
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return call_claim_next(user=rep_alice)
