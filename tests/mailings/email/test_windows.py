"""Send windows and the frequency cap (mailings.email.windows), as the sender holds
emails for them."""

import datetime as dt

import pytest

from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from followups.scheduler import scheduler_pass
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.email.batches import enrol, the_touch
from tests.mailings.factories import email_cadence

pytestmark = pytest.mark.usefixtures("clock")


@pytest.mark.parametrize(
    "zone, opens_utc, local",
    [
        ("Asia/Tokyo", dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
        ("Australia/Sydney", dt.datetime(2026, 3, 10, 21, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
        ("America/Los_Angeles", NOW, None),  # 08:00 there: open
        ("Europe/Berlin", NOW, None),  # 16:00
        ("Europe/London", dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
    ],
)
def test_emails_wait_for_the_send_window_in_the_leads_time_zone(
    cadence, smtp, clock, zone, opens_utc, local
):
    clock.move_to(
        dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC) if zone == "Europe/London" else NOW
    )
    lead = enrol(cadence, time_zone=zone)

    scheduler_pass()

    touch = the_touch(lead)
    if local is None:
        assert touch.status == Touch.Status.DONE
        return
    assert (touch.status, touch.due_at) == (Touch.Status.PENDING, opens_utc)
    assert touch.held_reason == f"Held: outside the lead's send window; goes out {local} ({zone})"
    assert not smtp.messages
    clock.move_to(opens_utc)
    scheduler_pass()
    assert len(smtp.to(lead.email)) == 1


def test_the_send_window_follows_a_daylight_saving_change(cadence, smtp, clock):
    clock.move_to(dt.datetime(2026, 3, 7, 20, 0, tzinfo=dt.UTC))  # Saturday, EST
    lead = enrol(cadence, time_zone="America/New_York")

    scheduler_pass()

    # Clocks went forward on Sunday 8 March: Monday 08:00 is 12:00 UTC, not 13:00.
    assert the_touch(lead).due_at == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_the_frequency_cap_counts_emails_and_letters_together(cadence, smtp, settings):
    lead = enrol(cadence)
    for days_ago, channel in ((6, Channel.EMAIL), (3, Channel.LETTER), (1, Channel.EMAIL)):
        TouchFactory(
            lead=lead,
            channel=channel,
            status=Touch.Status.DONE,
            completed_at=NOW - dt.timedelta(days=days_ago),
            due_at=NOW,
        )

    scheduler_pass()

    touch = the_touch(lead)
    eligible = NOW + dt.timedelta(days=1)  # the oldest of the three leaves the 7 days
    assert (touch.status, touch.due_at) == (Touch.Status.PENDING, eligible)
    assert touch.held_reason == (
        "Held: 3 marketing touches in 7 days; goes out Wed 11 Mar 11:00 (America/New_York)"
    )
    assert not smtp.messages


def test_the_cap_also_counts_the_emails_of_the_same_batch(db, smtp, settings):
    settings.MAIL_CAP_TOUCHES = 1
    first, second = email_cadence(0, slug="one"), email_cadence(0, slug="two")
    lead = enrol(first)
    enrolment_create(cadence=second, lead=lead, source="test")

    scheduler_pass()

    assert len(smtp.to(lead.email)) == 1
    assert Touch.objects.filter(lead=lead, status=Touch.Status.PENDING).count() == 1
