import pytest
from playwright.sync_api import expect

from mailings.models import Drip
from tests.browser.conftest import log_in
from tests.factories import LeadFactory

# serialized_rollback keeps the roles and drips that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def dana(rep_alice):
    return LeadFactory(first_name="Dana", last_name="Whitfield", owner=rep_alice)


def test_manager_builds_a_two_step_drip_and_previews_it_for_a_lead(page, manager_maria, dana):
    log_in(page, "maria")
    page.goto("/drips/new/")
    page.get_by_label("Name").fill("Booth follow-up")
    steps = page.locator(".drip-step")

    first = steps.nth(0)
    first.get_by_label("Subject").fill("Good to meet you, {{ lead.first_name|default:'there' }}")
    first.get_by_role("textbox", name="HTML body").fill(
        "Hi {{ lead.first_name }}, thanks for stopping by."
    )
    page.get_by_role("button", name="Add a step").click()
    expect(steps).to_have_count(2)
    second = steps.nth(1)
    expect(second.get_by_role("heading", name="Step 2")).to_be_visible()
    expect(second.get_by_label("Delay")).to_be_focused()  # typing goes on in the new step
    second.get_by_label("Delay").fill("2")
    second.get_by_label("Unit").select_option("business_days")
    second.get_by_label("Subject").fill("A guide for {{ lead.company }}")
    second.get_by_role("textbox", name="HTML body").fill("Here is the guide we talked about.")
    page.get_by_role("button", name="Add a step").click()
    steps.nth(2).get_by_role("button", name="Remove this step").click()  # changed my mind
    expect(steps).to_have_count(2)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Booth follow-up.")).to_be_visible()
    drip = Drip.objects.get(name="Booth follow-up")
    assert [step.describe_delay() for step in drip.steps.all()] == [
        "straight after",
        "2 business days after the step before",
    ]
    expect(steps.nth(1).get_by_role("heading", name="Step 2")).to_be_visible()

    steps.nth(0).get_by_role("link", name="Preview").click()
    page.get_by_label("Find a lead").fill("whitfield")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Dana Whitfield").click()

    expect(page.locator(".email-subject")).to_have_text("Good to meet you, Dana")
    email = page.frame_locator("iframe.email-frame")
    expect(email.get_by_text("Hi Dana, thanks for stopping by.")).to_be_visible()
    expect(page.locator(".email-text")).to_contain_text("Hi Dana, thanks for stopping by.")
