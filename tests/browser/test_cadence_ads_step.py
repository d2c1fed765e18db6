"""A manager adds an ad audience for cadences on a connection's page, then an
ads step that shows the booth's visitors ads for two weeks, in the builder."""

import pytest
from playwright.sync_api import expect

from crm.retargeting.services import ad_connection_save
from followups.cadences.models import Cadence
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_manager_adds_an_ad_audience_and_an_ads_step(page, manager_maria):
    connection = ad_connection_save(
        by=manager_maria,
        token="EAAB-meta-token-9f2A",
        platform="meta",
        name="Meta EU",
        account_id="act_1",
        login_customer_id="",
        developer_token="",
    )
    log_in(page, "maria")
    page.goto(connection.get_absolute_url())
    section = page.get_by_role("region", name="Ad audiences for cadences")
    section.get_by_label("Name").fill("Booth retargeting")
    section.get_by_label("Ad audience id").fill("23850001")
    section.get_by_role("button", name="Add the ad audience").click()
    expect(page.get_by_text("Cadences can show ads in Booth retargeting now.")).to_be_visible()

    page.goto("/cadences/new/")
    page.get_by_label("Name").fill("Booth ads")
    page.get_by_role("button", name="Add an ads step").click()
    step = page.locator("#cadence-steps > .cadence-step").nth(0)
    expect(step.get_by_role("heading", name="Step 1: ads")).to_be_visible()
    step.get_by_label("Show ads in").select_option(label="Booth retargeting (Meta EU)")
    step.get_by_label("For (days)").fill("14")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Booth ads.")).to_be_visible()
    saved = Cadence.objects.get(name="Booth ads").steps.get()
    assert (saved.channel, saved.ad_link.name, saved.ad_days) == ("ads", "Booth retargeting", 14)
