"""A manager works the cadence pages in a real browser (every page checked by
axe-core): the list, a cadence's page with its steps and people, pausing a
person, switching a cadence on with the recent triggers counted, and enrolling
the lead list's leads in bulk."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Interaction, Lead
from followups.cadences.models import Cadence, CadenceTrigger, Channel, Enrolment
from followups.cadences.services import enrolment_create
from tests.browser.conftest import log_in
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory
from tests.mailings.cadences.factories import sent_email
from tests.mailings.factories import StepVariantFactory

# serialized_rollback keeps the roles and cadences that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def booth(db):
    cadence = cadence_with(
        {"channel": Channel.CALL},
        {"channel": Channel.EMAIL, "wait": 2, "wait_unit": "days"},
        {"channel": Channel.LETTER, "wait": 5, "wait_unit": "days"},
        name="Booth follow-up",
        is_active=False,
    )
    CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.BOOTH_VISIT)
    email = cadence.steps.get(position=2)
    a = StepVariantFactory(step=email, label="A", subject="Thanks for visiting")
    StepVariantFactory(step=email, label="B", subject="Good to meet you")
    sent_email(a, opened=True)
    enrolment_create(
        cadence=cadence,
        lead=CallableLeadFactory(first_name="Dana", last_name="Whitfield"),
        source="Visited the booth",
    )
    for days_ago in (1, 3):
        InteractionFactory(
            lead=CallableLeadFactory(),
            kind=Interaction.Kind.BOOTH_VISIT,
            occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        )
    return cadence


def test_a_manager_runs_a_cadence_from_its_pages(page, manager_maria, booth):
    log_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cadences").click()

    row = page.get_by_role("row").filter(has_text="Booth follow-up")
    expect(row.get_by_role("img", name="Call")).to_be_visible()
    expect(row).to_contain_text("Booth visit")
    expect(row).to_contain_text("Off")

    # Switch it on: the two recent booth visits are counted, then enrolled.
    row.get_by_role("link", name="Switch on… Booth follow-up").click()
    expect(
        page.get_by_text("2 leads had a matching interaction in the last 7 days")
    ).to_be_visible()
    page.get_by_role("button", name="Switch on and enrol 2 leads").click()
    expect(page.get_by_role("status")).to_contain_text("Booth follow-up is on. Enrolled 2 people")
    assert Cadence.objects.get(pk=booth.pk).is_active

    # Its page: the steps and the people.
    expect(page.get_by_role("heading", name=re.compile("Step 2: Email"))).to_be_visible()
    expect(page.get_by_role("table", name="Emails of step 2 by variant")).to_contain_text(
        "Thanks for visiting"
    )
    people = page.get_by_role("table", name="The people of Booth follow-up")
    expect(people.get_by_role("row")).to_have_count(5)  # the header, four people
    page.get_by_role("button", name="Pause Dana Whitfield").click()
    expect(page.get_by_role("status")).to_contain_text("Paused Dana Whitfield")
    assert Enrolment.objects.get(lead__first_name="Dana").status == Enrolment.Status.PAUSED
    page.get_by_role("combobox", name="State").select_option(label="Paused")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table", name="The people of Booth follow-up")).to_contain_text(
        "Dana Whitfield"
    )


def test_a_manager_enrols_the_lead_lists_leads_in_a_cadence(page, manager_maria, booth):
    for name in ("Ann", "Ben"):
        LeadFactory(first_name=name, stage=Lead.Stage.QUALIFIED)
    log_in(page, "maria")
    page.goto("/leads/?stage=qualified")

    page.get_by_role("link", name="Enrol in a cadence").click()
    expect(page.get_by_role("heading", name="2 leads")).to_be_visible()
    page.get_by_role("combobox", name="Cadence").select_option(
        label="Booth follow-up (switched off)"
    )
    page.get_by_role("button", name="Next: check the count").click()
    page.get_by_role("button", name="Enrol 2 leads").click()

    expect(page.get_by_role("status")).to_contain_text("Enrolled 2 people in Booth follow-up.")
    expect(page).to_have_url(re.compile(rf"/cadences/{booth.pk}/$"))
    assert booth.enrolments.filter(lead__stage=Lead.Stage.QUALIFIED).count() == 2
