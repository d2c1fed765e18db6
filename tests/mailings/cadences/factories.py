"""What happened in a cadence, written straight into the tables the pages read:
enrolments, their steps' touches done or skipped, and their emails as sent."""

import itertools

from django.utils import timezone

from followups.cadences.models import Enrolment
from followups.models import Touch
from mailings.models import OutboxEmail
from tests.mailings.factories import ConsentingLeadFactory

KEYS = itertools.count()


def enrolment(cadence, lead=None, **fields) -> Enrolment:
    return Enrolment.objects.create(
        cadence=cadence, lead=lead or ConsentingLeadFactory(), source="Test", **fields
    )


def step_touch(enrolment, step, *, status=Touch.Status.DONE, outcome="", **fields) -> Touch:
    """A touch of the enrolment's step (its next attempt), closed now unless told."""
    closed = status in (Touch.Status.DONE, Touch.Status.SKIPPED)
    tried = Touch.objects.filter(enrolment=enrolment, step=step).count()
    return Touch.objects.create(
        lead=enrolment.lead,
        channel=step.channel,
        due_at=timezone.now(),
        status=status,
        outcome=outcome,
        completed_at=timezone.now() if closed else None,
        reason="Test",
        origin="Test",
        key=f"pages-test:{next(KEYS)}",
        enrolment=enrolment,
        step=step,
        attempt=tried + 1,
        **fields,
    )


def sent_email(
    variant, *, step=None, lead=None, status=OutboxEmail.Status.SENT, machine_opens=0, **events
) -> OutboxEmail:
    """An email of the variant's step (or of `step`, variant None: a personal email
    written from scratch) to a new enrolment; events: opened, clicked, replied."""
    step = step or variant.step
    enrolled = enrolment(step.cadence, lead)
    sent = status == OutboxEmail.Status.SENT
    touch = step_touch(enrolled, step, status=Touch.Status.DONE if sent else Touch.Status.CANCELLED)
    return OutboxEmail.objects.create(
        enrolment=enrolled,
        step=step,
        variant=variant,
        lead=enrolled.lead,
        touch=touch,
        status=status,
        sent_at=timezone.now() if sent else None,
        machine_opens=machine_opens,
        **{f"{event}_at": timezone.now() for event, happened in events.items() if happened},
    )
