"""What the queue's service tests share: the time (a Tuesday afternoon in New
York), a due call, logging one, the calls and steps a lead has open."""

import datetime as dt

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.models import Channel, Touch
from followups.queue.services import call_log_outcome
from tests.followups.factories import CallableLeadFactory, TouchFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York
WEDNESDAY_NINE = dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
THURSDAY_NINE = dt.datetime(2026, 3, 12, 13, 0, tzinfo=dt.UTC)


def due_call(user, *, minutes_overdue=60, priority=60, **lead_fields) -> Touch:
    lead = CallableLeadFactory(owner=user, **lead_fields)
    return TouchFactory(
        lead=lead,
        assigned_to=user,
        priority=priority,
        due_at=NOW - dt.timedelta(minutes=minutes_overdue),
        talking_points="Recall what they asked at the booth.",
    )


def log(call: Touch, outcome: str, user=None, **fields) -> Interaction:
    return call_log_outcome(touch=call, user=user or call.assigned_to, outcome=outcome, **fields)


def open_calls(lead: Lead):
    return Touch.objects.filter(lead=lead, channel=Channel.CALL, status__in=Touch.OPEN)


def record_download(lead: Lead) -> None:
    interaction_record(lead=lead, kind=Interaction.Kind.CONTENT_DOWNLOAD, source="test")


def next_step(call: Touch) -> Touch:
    return Touch.objects.get(enrolment=call.enrolment, status=Touch.Status.PENDING)
