"""Email touches as the sending tests make them: a lead enrolled in a cadence,
its touch, and the touches claimed as the scheduler claims them."""

from crm.models import Lead
from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory


def enrol(cadence, **lead_fields) -> Lead:
    lead = ConsentingLeadFactory(first_name="Ada", **lead_fields)
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return lead


def the_touch(lead, position: int = 1) -> Touch:
    return Touch.objects.get(lead=lead, channel=Channel.EMAIL, step__position=position)


def claim(*touches: Touch) -> list[int]:
    """What the scheduler does before it queues the job: the touches claimed."""
    ids = [touch.pk for touch in touches]
    Touch.objects.filter(pk__in=ids).update(status=Touch.Status.CLAIMED, claimed_at=NOW)
    return ids
