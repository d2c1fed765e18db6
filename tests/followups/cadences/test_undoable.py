"""Due steps that cannot be done are skipped by the scheduler's sweep, with their
reason, and the cadence goes on."""

import datetime as dt

import pytest
import time_machine

from crm.models import Lead
from followups.cadences.models import Channel, WaitUnit
from followups.cadences.services import enrolment_create
from followups.cadences.undoable import undoable_steps_skip
from followups.models import Touch
from mailings.consent import suppression_add
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday
LATER = NOW + dt.timedelta(hours=2)  # the first step is due
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def call_then_task():
    return cadence_with(
        {"channel": Channel.CALL, "wait": 1, "wait_unit": WaitUnit.HOURS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )


def enrolled(cadence, lead):
    return enrolment_create(cadence=cadence, lead=lead, source="test")


def steps_of(enrolment) -> list[tuple]:
    return list(
        Touch.objects.filter(enrolment=enrolment)
        .order_by("pk")
        .values_list("channel", "status", "outcome")
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"do_not_call": True}, "they asked not to be called"),
        ({"phone_invalid": True}, "the number is wrong"),
        ({"phone": ""}, "there is no phone number"),
        ({"calls_paused_until": NOW + dt.timedelta(days=30)}, "calls to them are paused"),
        # Several bars: the first one says why.
        ({"phone": "", "do_not_call": True}, "they asked not to be called"),
    ],
)
def test_a_due_call_the_lead_may_not_get_is_skipped_and_the_cadence_goes_on(change, reason):
    enrolment = enrolled(call_then_task(), CallableLeadFactory())
    # After enrolment the lead changes: an import, the API, another rep's call.
    Lead.objects.filter(pk=enrolment.lead_id).update(**change)

    skipped = undoable_steps_skip(now=LATER)

    assert skipped == 1
    assert steps_of(enrolment) == [
        (Channel.CALL, Touch.Status.SKIPPED, reason),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]


def test_callable_leads_and_calls_not_due_yet_are_left_alone():
    cadence = call_then_task()
    callable_lead = enrolled(cadence, CallableLeadFactory())
    barred_later = enrolled(cadence, CallableLeadFactory())
    Lead.objects.filter(pk=barred_later.lead_id).update(do_not_call=True)

    assert undoable_steps_skip(now=NOW + dt.timedelta(minutes=30)) == 0  # not due yet
    assert undoable_steps_skip(now=LATER) == 1

    assert steps_of(callable_lead) == [(Channel.CALL, Touch.Status.PENDING, "")]
    assert steps_of(barred_later)[0] == (
        Channel.CALL,
        Touch.Status.SKIPPED,
        "they asked not to be called",
    )


def test_calls_paused_until_a_time_already_past_are_made():
    enrolment = enrolled(call_then_task(), CallableLeadFactory())
    Lead.objects.filter(pk=enrolment.lead_id).update(calls_paused_until=NOW)

    assert undoable_steps_skip(now=LATER) == 0
    assert steps_of(enrolment) == [(Channel.CALL, Touch.Status.PENDING, "")]


def test_a_due_personal_email_the_lead_may_not_get_is_skipped_with_its_reason():
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL, "wait": 1, "wait_unit": WaitUnit.HOURS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS},
    )
    confirmed = Lead.EmailConsent.CONFIRMED
    allowed = enrolled(cadence, LeadFactory(email_consent=confirmed))
    refused = enrolled(cadence, LeadFactory(email_consent=Lead.EmailConsent.UNSUBSCRIBED))
    suppressed = enrolled(cadence, LeadFactory(email_consent=confirmed))
    suppression_add(email=suppressed.lead.email.upper(), reason="bounced", source="test")

    assert undoable_steps_skip(now=LATER) == 2

    assert steps_of(allowed) == [(Channel.PERSONAL_EMAIL, Touch.Status.PENDING, "")]
    assert steps_of(refused) == [
        (Channel.PERSONAL_EMAIL, Touch.Status.SKIPPED, "Unsubscribed"),
        (Channel.TASK, Touch.Status.PENDING, ""),
    ]
    assert steps_of(suppressed)[0] == (
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
