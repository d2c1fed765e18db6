"""Steps that cannot be done when they fall due are skipped with their reason by
the scheduler's pass, and the cadence goes on."""

import datetime as dt

import pytest
import time_machine

from crm.models import Lead
from followups.cadences.models import Channel, WaitUnit
from followups.cadences.services import enrolment_create
from followups.cadences.undoable import undoable_steps_skip
from followups.models import Touch
from followups.scheduler import scheduler_pass
from mailings.consent.services import suppression_add
from tests.factories import LeadFactory
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


# The sweep itself (followups.cadences.undoable), as each pass runs it.

LATER = NOW + dt.timedelta(hours=2)  # a step waiting an hour is due


def call_then_task():
    return cadence_with(
        {"channel": Channel.CALL, "wait": 1, "wait_unit": WaitUnit.HOURS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )


def enrolled(cadence, lead):
    return enrolment_create(cadence=cadence, lead=lead, source="test")


def test_a_call_barred_several_ways_is_skipped_with_the_first_reason():
    enrolment = enrolled(call_then_task(), CallableLeadFactory())
    Lead.objects.filter(pk=enrolment.lead_id).update(phone="", do_not_call=True)

    assert undoable_steps_skip(now=LATER) == 1

    assert steps(enrolment.lead) == [
        (Channel.CALL, Touch.Status.SKIPPED, "they asked not to be called"),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]


def test_callable_leads_and_calls_paused_until_a_time_past_are_left_alone():
    cadence = call_then_task()
    callable_lead = enrolled(cadence, CallableLeadFactory())
    paused_before = enrolled(cadence, CallableLeadFactory())
    Lead.objects.filter(pk=paused_before.lead_id).update(calls_paused_until=NOW)

    assert undoable_steps_skip(now=LATER) == 0

    for enrolment in (callable_lead, paused_before):
        assert steps(enrolment.lead) == [(Channel.CALL, Touch.Status.PENDING, "")]


def test_a_due_personal_email_to_a_suppressed_address_is_skipped():
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL, "wait": 1, "wait_unit": WaitUnit.HOURS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )
    confirmed = Lead.EmailConsent.CONFIRMED
    allowed = enrolled(cadence, LeadFactory(email_consent=confirmed))
    suppressed = enrolled(cadence, LeadFactory(email_consent=confirmed))
    suppression_add(email=suppressed.lead.email.upper(), reason="bounced", source="test")

    assert undoable_steps_skip(now=LATER) == 1

    assert steps(allowed.lead) == [(Channel.PERSONAL_EMAIL, Touch.Status.PENDING, "")]
    assert steps(suppressed.lead)[0] == (
        Channel.PERSONAL_EMAIL,
        Touch.Status.SKIPPED,
        "The address is on the suppression list",
    )


def test_the_sweep_asks_about_all_due_personal_emails_in_a_few_queries(
    django_assert_max_num_queries,
):
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL, "wait": 1, "wait_unit": WaitUnit.HOURS}
    )
    for _ in range(10):
        enrolled(cadence, LeadFactory(email_consent=Lead.EmailConsent.CONFIRMED))

    with django_assert_max_num_queries(3):  # the due calls, the emails, the suppression list
        assert undoable_steps_skip(now=LATER) == 0
