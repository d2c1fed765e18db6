"""A cadence's ads step, through the scheduler pass and a Meta platform on
loopback: the lead goes on the ad destination (sent by its sync) and the next
step is planned at once; after the step's days, or when the enrolment ends
sooner, they come off again (sent too); no consent skips the step with the
reason; a pass run twice does nothing twice."""

import datetime as dt

import pytest
import time_machine

from crm.privacy.services import lead_erase
from crm.retargeting.models import AdAudienceMember, AdConnection
from crm.retargeting.services import ad_connection_delete, ad_destination_create
from followups.cadences import ads
from followups.cadences.models import AdRun, Channel, Enrolment, WaitUnit
from followups.cadences.services import enrolment_create, enrolments_end
from followups.models import Touch
from followups.scheduler import scheduler_pass
from mailings.consent.services import consent_withdraw
from mailings.email.services import email_unsubscribe
from tests.crm.audiences.people import NOW, person
from tests.crm.retargeting.conftest import loopback_platform, only_loopback  # noqa: F401
from tests.crm.retargeting.test_sync import AD_AUDIENCE, connection, meta, sha, uploads  # noqa: F401
from tests.followups.cadences.factories import cadence_with

pytestmark = pytest.mark.django_db

DAYS = 14
LATER = NOW + dt.timedelta(days=DAYS, minutes=1)
State = AdAudienceMember.State


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def destination(connection):  # noqa: F811
    return ad_destination_create(
        connection=connection, platform_audience_id=AD_AUDIENCE, name="Booth retargeting"
    )


@pytest.fixture
def cadence(destination):
    """Ads for two weeks, then a task a day after enrolment's ads went out."""
    return cadence_with(
        {"channel": Channel.ADS, "ad_link": destination, "ad_days": DAYS},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": WaitUnit.DAYS, "script": "Call"},
        exit_on=["unsubscribed"],
    )


def enrol(cadence, first_name: str, consent: str = "confirmed") -> Enrolment:
    lead = person(first_name, email=f"{first_name.lower()}@example.org", email_consent=consent)
    return enrolment_create(cadence=cadence, lead=lead, source="Booth", now=NOW)


def touches(enrolment) -> list[tuple[str, str, str]]:
    rows = Touch.objects.filter(enrolment=enrolment).order_by("pk")
    return [(t.channel, t.status, t.outcome) for t in rows]


def test_the_step_adds_the_lead_and_plans_the_next_step_at_once(meta, cadence, destination):  # noqa: F811
    enrolment = enrol(cadence, "Anna")

    scheduler_pass(now=NOW)

    assert touches(enrolment) == [
        ("ads", "done", ads.ADDED),
        ("task", "pending", ""),
    ]
    run = AdRun.objects.get(enrolment=enrolment)
    assert (run.link, run.until, run.removed_at) == (
        destination,
        NOW + dt.timedelta(days=DAYS),
        None,
    )
    assert uploads(meta, "POST") == [[sha("anna@example.org")]]
    assert list(destination.members.values_list("state", flat=True)) == [State.SYNCED]


def test_after_its_days_the_lead_is_removed_once(meta, cadence, destination):  # noqa: F811
    enrol(cadence, "Anna")
    scheduler_pass(now=NOW)
    scheduler_pass(now=NOW + dt.timedelta(days=DAYS - 1))
    assert uploads(meta, "DELETE") == []

    scheduler_pass(now=LATER)
    scheduler_pass(now=LATER)

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert uploads(meta, "POST") == [[sha("anna@example.org")]]
    assert destination.members.count() == 0
    run = AdRun.objects.get()
    assert (run.removed_at, run.removed_reason) == (LATER, ads.DAYS_OVER)


def test_a_pass_run_twice_adds_once(meta, cadence, destination):  # noqa: F811
    enrolment = enrol(cadence, "Anna")

    scheduler_pass(now=NOW)
    scheduler_pass(now=NOW)

    assert AdRun.objects.count() == 1
    assert len(uploads(meta, "POST")) == 1
    assert [t[:2] for t in touches(enrolment)] == [("ads", "done"), ("task", "pending")]


def test_no_consent_skips_the_step_with_the_reason(meta, cadence, destination):  # noqa: F811
    enrolment = enrol(cadence, "Nora", consent="none")

    scheduler_pass(now=NOW)

    assert touches(enrolment) == [("ads", "skipped", ads.NO_CONSENT), ("task", "pending", "")]
    assert destination.members.count() == 0
    assert meta.requests == []
    assert not AdRun.objects.exists()


def test_an_exit_mid_window_removes_the_lead(meta, cadence, destination):  # noqa: F811
    enrolment = enrol(cadence, "Anna")
    scheduler_pass(now=NOW)

    enrolments_end(enrolments=Enrolment.objects.filter(pk=enrolment.pk), reason="Removed by Maria")
    scheduler_pass(now=LATER)

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    run = AdRun.objects.get()
    assert run.removed_reason == "Removed by Maria"
    assert destination.members.count() == 0


def test_unsubscribing_mid_window_removes_the_lead_once(meta, cadence, destination):  # noqa: F811
    enrolment = enrol(cadence, "Anna")
    scheduler_pass(now=NOW)

    email_unsubscribe(email="anna@example.org", source="unsubscribe link")
    scheduler_pass(now=LATER)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.EXITED
    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert AdRun.objects.get().removed_at is not None
    assert destination.members.count() == 0


def test_consent_withdrawn_mid_window_removes_the_lead_at_once(meta, destination):  # noqa: F811
    cadence = cadence_with({"channel": Channel.ADS, "ad_link": destination, "ad_days": DAYS})
    enrol(cadence, "Anna")
    scheduler_pass(now=NOW)

    consent_withdraw(email="anna@example.org", source="a rep's note")

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert destination.members.count() == 0
    scheduler_pass(now=LATER)  # the run's end finds nothing left to remove
    assert len(uploads(meta, "DELETE")) == 1
    assert AdRun.objects.get().removed_reason == ads.DAYS_OVER


def test_another_open_run_keeps_the_lead_on_the_destination(meta, cadence, destination):  # noqa: F811
    first = enrol(cadence, "Anna")
    scheduler_pass(now=NOW)
    again = cadence_with(
        {"channel": Channel.ADS, "ad_link": destination, "ad_days": DAYS * 2},
    )
    enrolment_create(cadence=again, lead=first.lead, source="Webinar", now=NOW)
    scheduler_pass(now=NOW)

    scheduler_pass(now=LATER)

    assert uploads(meta, "DELETE") == []
    assert list(destination.members.values_list("state", flat=True)) == [State.SYNCED]


def test_the_adds_wait_while_the_connection_needs_attention(meta, cadence, destination):  # noqa: F811
    AdConnection.objects.update(status=AdConnection.Status.NEEDS_ATTENTION)
    enrolment = enrol(cadence, "Anna")

    scheduler_pass(now=NOW)

    assert touches(enrolment)[0][:2] == ("ads", "done")
    assert list(destination.members.values_list("state", flat=True)) == [State.PENDING_ADD]
    assert meta.requests == []


def test_a_deleted_connection_leaves_the_step_skipped_saying_why(meta, cadence, connection):  # noqa: F811
    enrolment = enrol(cadence, "Anna")

    ad_connection_delete(connection=connection)
    scheduler_pass(now=NOW)

    assert touches(enrolment)[0] == ("ads", "skipped", ads.NO_DESTINATION)
    assert cadence.steps.get(position=1).ad_link is None


def test_an_erased_lead_is_removed_once(meta, cadence, destination, manager_maria):  # noqa: F811
    enrolment = enrol(cadence, "Anna")
    scheduler_pass(now=NOW)

    lead_erase(lead=enrolment.lead, by=manager_maria)
    scheduler_pass(now=LATER)

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert destination.members.count() == 0
