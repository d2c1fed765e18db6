"""A manager keeps the holidays on their page: adds one, adds a country's public
holidays after a preview, deletes one (every page checked by axe-core)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups.models import Holiday
from tests.browser.conftest import log_in

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_a_manager_adds_holidays_and_a_countrys_public_ones(page, manager_maria):
    next_year = timezone.localdate().year + 1
    log_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Calling hours and holidays").first.click()
    expect(page.get_by_text("No upcoming holidays.")).to_be_visible()

    page.get_by_role("link", name="Add a holiday").click()
    page.get_by_label("Date").fill(f"{next_year}-12-31")
    page.get_by_label("Name").fill("Company party")
    page.get_by_role("button", name="Add the holiday").click()
    expect(page.get_by_role("heading", name=re.compile("Every country"))).to_be_visible()

    page.get_by_role("link", name="Add a country's public holidays").first.click()
    page.get_by_role("combobox", name="Country").select_option("DE")
    page.get_by_role("spinbutton", name="Year").fill(str(next_year))
    page.get_by_role("button", name="Show the holidays").click()
    expect(page.get_by_role("cell", name="Tag der Deutschen Einheit")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Add \d+ holidays")).click()

    expect(page.get_by_role("status")).to_contain_text("public holidays of Germany (DE)")
    expect(page.get_by_role("heading", name=re.compile(r"Germany \(DE\)"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Delete Tag der Deutschen Einheit")).click()
    page.get_by_role("button", name="Delete the holiday").click()

    expect(page.get_by_role("status")).to_contain_text("Deleted Tag der Deutschen Einheit")
    assert not Holiday.objects.filter(name="Tag der Deutschen Einheit").exists()
    assert Holiday.objects.filter(name="Company party", country="").exists()
