"""A manager builds a three-channel cadence in the builder (a call the next
business day, an email on day 2, a letter on day 5, enrolled by a booth visit),
sees it as a timeline, previews its email for a lead and opens its dry run; and
removes a step people are on, saying where they go."""

import pytest
from playwright.sync_api import expect

from followups.cadences.models import Cadence, Channel, Enrolment
from followups.cadences.services import enrolment_create
from tests.browser.conftest import log_in
from tests.followups.cadences.factories import CadenceFactory, StepFactory
from tests.mailings.factories import ConsentingLeadFactory
from tests.mailings.letters.factories import LetterTemplateFactory

# serialized_rollback keeps the roles, plays and letters that migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEY_DELAY_MS = 15  # Trix reads typing as a person's, a key at a time


@pytest.fixture
def dana(rep_alice):
    return ConsentingLeadFactory(
        first_name="Dana", last_name="Whitfield", owner=rep_alice, phone="+12125550123"
    )


def test_manager_builds_a_three_channel_cadence_previews_it_and_dry_runs_it(
    page, manager_maria, dana
):
    LetterTemplateFactory(name="Thanks for visiting")
    log_in(page, "maria")
    page.goto("/cadences/new/")
    page.get_by_label("Name").fill("Expo follow-up")

    page.get_by_role("button", name="Add a trigger").click()
    page.locator(".cadence-trigger").get_by_label("When there is a").select_option("booth_visit")

    steps = page.locator("#cadence-steps > .cadence-step")
    page.get_by_role("button", name="Add a call").click()
    call = steps.nth(0)
    expect(call.get_by_label("Wait")).to_be_focused()  # typing goes on in the new step
    expect(call.get_by_label("Unit")).to_have_value("business_days")  # the next business day
    expect(call.locator(".step-day")).to_have_text("About day 1")
    call.get_by_label("Talking points").fill("Thank them for stopping by.")

    page.get_by_role("button", name="Add an email").click()
    email = steps.nth(1)
    expect(email.get_by_role("heading", name="Step 2: email")).to_be_visible()
    email.get_by_label("Subject").fill("Good to meet you, {{ lead.first_name|default:'there' }}")
    email.get_by_role("textbox", name="HTML body").click()
    page.keyboard.type("Thanks for stopping by our booth.", delay=KEY_DELAY_MS)

    page.get_by_role("button", name="Add a letter").click()
    letter = steps.nth(2)
    letter.get_by_label("Wait").fill("3")
    letter.get_by_label("Letter template").select_option(label="Thanks for visiting")
    expect(letter.locator(".step-day")).to_have_text("About day 5")  # as it is typed
    email.get_by_role("button", name="Move down").click()  # the editor goes with its step
    expect(steps.nth(2).get_by_role("heading", name="Step 3: email")).to_be_visible()
    steps.nth(2).get_by_role("button", name="Move up").click()
    expect(steps.nth(1).get_by_role("heading", name="Step 2: email")).to_be_visible()

    page.get_by_role("button", name="Add a task").click()
    expect(steps).to_have_count(4)
    steps.nth(3).get_by_role("button", name="Move up").click()  # changed my mind...
    expect(steps.nth(2).get_by_role("heading", name="Step 3: task")).to_be_visible()
    expect(steps.nth(3).get_by_role("heading", name="Step 4: letter")).to_be_visible()
    steps.nth(2).get_by_role("button", name="Remove this step").click()  # ...and again
    expect(steps).to_have_count(3)
    expect(page.get_by_role("heading", name="What a call's outcome does")).to_be_visible()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Expo follow-up.")).to_be_visible()
    cadence = Cadence.objects.get(name="Expo follow-up")
    assert [step.channel for step in cadence.steps.all()] == ["call", "email", "letter"]
    assert [trigger.describe() for trigger in cadence.triggers.all()] == ["Booth visit"]
    # The timeline: each step's channel icon and its day.
    for number, (channel, day) in enumerate(
        [("Call", "About day 1"), ("Email", "About day 2"), ("Letter", "About day 5")]
    ):
        step = steps.nth(number)
        expect(step.get_by_role("img", name=channel)).to_be_visible()
        expect(step.locator(".step-day")).to_have_text(day)

    steps.nth(1).get_by_role("link", name="Preview").click()
    page.get_by_label("Find a lead").fill("whitfield")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Dana Whitfield").click()
    expect(page.locator(".email-subject")).to_have_text("Good to meet you, Dana")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.get_by_text("Thanks for stopping by our booth.")).to_be_visible()

    enrolment_create(cadence=cadence, lead=dana, source="Booth visit")
    page.get_by_role("link", name="Dry run").click()
    rows = page.locator("table.dry-run tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Dana Whitfield")
    expect(rows.nth(0)).to_contain_text("In the queue to call")
    expect(rows.nth(1)).to_contain_text("Step 2, variant A")
    expect(rows.nth(2)).to_contain_text("Skipped: Incomplete address")


def test_removing_a_step_people_are_on_asks_where_they_go(page, manager_maria, dana):
    cadence = CadenceFactory(name="Nurture")
    StepFactory(cadence=cadence, position=1, channel=Channel.TASK, script="Say hello")
    StepFactory(cadence=cadence, position=2, channel=Channel.TASK, script="Send the sample")
    StepFactory(cadence=cadence, position=3, channel=Channel.TASK, script="Ask how it went")
    enrolment = enrolment_create(cadence=cadence, lead=dana, source="test")
    log_in(page, "maria")
    page.goto(f"/cadences/{cadence.pk}/edit/")
    expect(page.get_by_text("1 person is in this cadence now.")).to_be_visible()

    steps = page.locator("#cadence-steps > .cadence-step:visible")
    steps.nth(0).get_by_role("button", name="Remove this step").click()
    removal = page.locator(".removed-step")
    where = removal.get_by_label("Those on it go to")
    expect(where).to_be_focused()
    expect(steps).to_have_count(2)
    expect(steps.nth(0).get_by_role("heading", name="Step 1: task")).to_be_visible()
    where.select_option(label="step 2 (task)")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Nurture.")).to_be_visible()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    assert enrolment.step.script == "Ask how it went"
    assert enrolment.step.position == 2
