"""Steps that cannot be done when they fall due are skipped with their reason by
the scheduler's pass, and the cadence goes on."""

import datetime as dt

import pytest
import time_machine

from crm.models import Lead
from followups.cadences.models import Channel
from followups.cadences.services import enrolment_create
from followups.models import Touch
from followups.scheduler import scheduler_pass
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def steps(lead) -> list[tuple[str, str, str]]:
    return list(
        Touch.objects.filter(lead=lead).order_by("pk").values_list("channel", "status", "outcome")
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"do_not_call": True}, "they asked not to be called"),
        ({"phone_invalid": True}, "the number is wrong"),
        ({"phone": ""}, "there is no phone number"),
        ({"calls_paused_until": NOW + dt.timedelta(days=3)}, "calls to them are paused"),
    ],
)
def test_a_call_that_may_no_longer_be_made_is_skipped_when_due(rep_alice, change, reason):
    lead = CallableLeadFactory(owner=rep_alice)
    enrolment_create(
        cadence=cadence_with({"channel": Channel.CALL, "wait": 1}, {"channel": Channel.TASK}),
        lead=lead,
        source="test",
    )
    Lead.objects.filter(pk=lead.pk).update(**change)  # after the call was planned

    scheduler_pass(now=NOW)  # not due yet: left alone
    assert steps(lead) == [(Channel.CALL, Touch.Status.PENDING, "")]
    result = scheduler_pass(now=NOW + dt.timedelta(hours=2))

    assert result.skipped == 1
    assert steps(lead) == [
        (Channel.CALL, Touch.Status.SKIPPED, reason),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]


def test_a_personal_email_to_someone_who_unsubscribed_is_skipped_when_due(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.CONFIRMED)
    enrolment_create(
        cadence=cadence_with({"channel": Channel.PERSONAL_EMAIL}, {"channel": Channel.TASK}),
        lead=lead,
        source="test",
    )
    Lead.objects.filter(pk=lead.pk).update(email_consent=Lead.EmailConsent.UNSUBSCRIBED)

    scheduler_pass(now=NOW)

    assert steps(lead) == [
        (Channel.PERSONAL_EMAIL, Touch.Status.SKIPPED, "Unsubscribed"),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]


def test_a_personal_email_is_never_sent_by_the_scheduler_itself(rep_alice):
    lead = CallableLeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.CONFIRMED)
    enrolment_create(
        cadence=cadence_with({"channel": Channel.PERSONAL_EMAIL}), lead=lead, source="test"
    )

    result = scheduler_pass(now=NOW + dt.timedelta(days=1))

    assert result.dispatched == 0
    assert steps(lead) == [(Channel.PERSONAL_EMAIL, Touch.Status.PENDING, "")]
