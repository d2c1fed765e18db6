# ruff: noqa: RUF001 (the pages write hours and days with an en dash)
"""A manager whose queue waits for calling hours reads whose call opens next and
when, follows the link to the calling hours, is told off for hours that end
before they start, sets every day all day, and the call comes up (every page
checked by axe-core)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups.holidays.services import calling_hours_update
from followups.models import Channel, Touch
from tests.browser.conftest import log_in
from tests.factories import LeadFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

LONDON = ZoneInfo("Europe/London")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.fixture
def call_on_a_closed_day(manager_maria):
    """A due call to a lead in London, where calls are only made three days from
    today: the live server runs on the real clock."""
    now = timezone.now()
    closed_until = (now.astimezone(LONDON).weekday() + 3) % 7
    calling_hours_update(weekdays=[closed_until], start=dt.time(9), end=dt.time(18))
    lead = LeadFactory(
        first_name="Dana",
        last_name="Whitfield",
        city="London",
        country="GB",
        time_zone="Europe/London",
        phone="+442079460123",
        owner=manager_maria,
    )
    return Touch.objects.create(
        lead=lead,
        channel=Channel.CALL,
        due_at=now - dt.timedelta(hours=1),
        reason="Downloaded the pricing guide",
        origin="Test",
        assigned_to=manager_maria,
        key="browser-test:calling-hours",
    )


def test_a_manager_opens_calling_hours_to_every_day_and_the_call_comes_up(
    page, call_on_a_closed_day
):
    log_in(page, "maria")
    page.goto("/queue/")
    expect(page.locator("#call-card-heading")).to_have_text("Nothing to call right now")
    expect(page.locator("#next-call-who")).to_contain_text(
        re.compile(r"Dana Whitfield, London: callable \w{3} 09:00 their time — ")
    )

    page.get_by_role("link", name="calling hours and holidays").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calling hours and holidays")
    for day in DAYS:
        page.get_by_role("checkbox", name=day).check()
    page.get_by_role("textbox", name="From", exact=True).fill("18:00")
    page.get_by_role("textbox", name="Until", exact=True).fill("09:00")
    page.get_by_role("button", name="Save the calling hours").click()
    expect(page.get_by_text("Calls must end after they start.")).to_be_visible()

    page.get_by_role("textbox", name="From", exact=True).fill("00:00")
    page.get_by_role("textbox", name="Until", exact=True).fill("24:00")
    page.get_by_role("button", name="Save the calling hours").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Saved the calling hours: every day, 00:00–24:00"
    )
    expect(page.locator("#calling-hours-now")).to_contain_text("every day, 00:00–24:00")

    page.goto("/queue/")
    expect(page.locator("#call-card-heading")).to_have_text("Call Dana Whitfield")
