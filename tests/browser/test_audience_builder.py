import pytest
from playwright.sync_api import expect

from crm.audiences.models import Audience
from crm.models import Interaction
from tests.browser.conftest import log_in
from tests.factories import InteractionFactory, LeadFactory

# serialized_rollback keeps the roles and drips that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def people(db):
    for name, country in (("Hans", "DE"), ("Greta", "DE"), ("Ann", "US"), ("Pierre", "FR")):
        LeadFactory(first_name=name, last_name="Test", country=country)


def test_manager_builds_an_audience_seeing_its_live_count_and_preview(page, manager_maria, people):
    log_in(page, "maria")
    page.get_by_role("link", name="Audiences").click()
    page.get_by_role("link", name="New audience").click()
    page.get_by_label("Name").fill("Europe, not France")
    live_count = page.locator("#live-count")
    expect(live_count).to_have_text("Add a rule to see how many leads it picks.")
    rules = page.locator(".audience-rule")

    page.get_by_role("button", name="Add a rule").click()
    expect(rules.nth(0).get_by_label("Rule")).to_be_focused()  # typing goes on in the new rule
    rules.nth(0).get_by_label("Rule").select_option(label="Country is one of")
    rules.nth(0).get_by_label("Countries").fill("DE")
    expect(live_count).to_have_text("2 leads match now.")
    # Under the count, who they are, newest first, each a link to the lead.
    preview = page.get_by_role("region", name="Newest leads it picks")
    expect(preview.get_by_role("link")).to_have_text(["Greta Test", "Hans Test"])

    # A mistake is shown beside its field, and the count waits for it to be put right.
    page.get_by_role("button", name="Add a rule").click()
    rules.nth(1).get_by_label("Rule").select_option(label="Visited a page")
    rules.nth(1).get_by_label("Page").fill("/pricing*")
    rules.nth(1).get_by_label("In the last … days (optional)").fill("0")
    expect(live_count).to_have_text("Check the rules marked below.")
    expect(rules.nth(1).get_by_text("Give a whole number from 1 to 3,650.")).to_be_visible()
    expect(preview).to_be_hidden()
    rules.nth(1).get_by_role("button", name="Remove this rule").click()
    expect(live_count).to_have_text("2 leads match now.")

    # Germany, or (any of France, the US) but not France: OR and a nested group.
    page.get_by_label("Leads who match").select_option("any")
    page.get_by_role("button", name="Add a group").click()
    group = page.locator(".audience-group .audience-group")
    group.get_by_label("Match").select_option("all")
    group.get_by_label("Rule").select_option(label="Country is one of")
    group.get_by_label("Countries").fill("FR, US")
    expect(live_count).to_have_text("4 leads match now.")
    group.get_by_role("button", name="Add a rule").click()
    second = group.locator(".audience-rule").nth(1)
    second.get_by_label("Rule").select_option(label="Country is one of")
    second.get_by_label("Countries").fill("France")
    second.get_by_label("Not").check()
    expect(live_count).to_have_text("3 leads match now.")
    expect(preview.get_by_role("link")).to_have_text(["Ann Test", "Greta Test", "Hans Test"])

    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Europe, not France.")).to_be_visible()
    expect(page.get_by_role("heading", name="Europe, not France")).to_be_visible()
    members = page.locator("#member-table")
    for name in ("Hans Test", "Greta Test", "Ann Test"):
        expect(members.get_by_role("link", name=name)).to_be_visible()
    expect(members.get_by_text("Pierre Test")).to_have_count(0)
    audience = Audience.objects.get()
    assert audience.member_count == 3
    assert audience.definition["match"] == "any"


def test_manager_builds_an_app_event_audience(page, manager_maria):
    stuck, made = (LeadFactory(first_name=name, last_name="Test") for name in ("Stuck", "Made"))
    for lead in (stuck, made):
        InteractionFactory(lead=lead, kind=Interaction.Kind.APP_EVENT, data={"name": "signed_up"})
    InteractionFactory(lead=made, kind=Interaction.Kind.APP_EVENT, data={"name": "project_created"})
    log_in(page, "maria")
    page.goto("/audiences/new/")
    page.get_by_label("Name").fill("Signed up, no project")
    live_count = page.locator("#live-count")
    rules = page.locator(".audience-rule")

    page.get_by_role("button", name="Add a rule").click()
    rules.nth(0).get_by_label("Rule").select_option(label="Did an app event")
    expect(rules.nth(0).get_by_label("App event")).to_be_focused()
    rules.nth(0).get_by_label("App event").fill("signed_up")
    rules.nth(0).get_by_label("In the last … days (optional)").fill("3")
    expect(live_count).to_have_text("2 leads match now.")

    page.get_by_role("button", name="Add a rule").click()
    rules.nth(1).get_by_label("Rule").select_option(label="Did not do an app event")
    rules.nth(1).get_by_label("In the last … days (optional)").fill("3")
    expect(live_count).to_have_text("Check the rules marked below.")
    message = "Give the app event's name, e.g. “project_created”."
    expect(rules.nth(1).get_by_text(message)).to_be_visible()
    rules.nth(1).get_by_label("App event").fill("project_created")
    expect(live_count).to_have_text("1 lead matches now.")

    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Signed up, no project.")).to_be_visible()
    expect(
        page.get_by_text("did not do app event “project_created” in the last 3 days")
    ).to_be_visible()
    assert list(Audience.objects.get().members.values_list("lead__first_name", flat=True)) == [
        "Stuck"
    ]
