"""A manager's day in Chromium: from the dashboard to Settings, invite a rep (the
email arrives at a real SMTP server on loopback; the rep follows its link, sets a
password and lands on the queue), then deactivate a rep, handing her leads and
open calls to another; and a new cadence for an event, which offers to enrol
those already there. With SCREENSHOTS set, the users page is saved for the
README (docs/screenshots/manager-day.png)."""

import os
import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crm.models import Interaction, Lead
from crm.roles import Role
from followups.cadences.models import CadenceTrigger, Channel, Enrolment
from followups.models import Touch
from tests import smtp_sink
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory, UserFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

SCREENSHOT = settings.BASE_DIR / "docs" / "screenshots" / "manager-day.png"


@pytest.fixture
def smtp(settings):
    yield from smtp_sink.serve(settings)


@pytest.fixture
def team(rep_alice, rep_bob, mailroom_max):
    """Alice has three leads with an open call each; Carol and Bob work beside her."""
    UserFactory(username="carol", first_name="Carol", last_name="Nakamura", role=Role.REP)
    for lead in LeadFactory.create_batch(3, owner=rep_alice):
        TouchFactory(lead=lead, assigned_to=rep_alice)


def the_email_to(sink, address: str, *, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not sink.to(address):
        assert time.monotonic() < deadline, f"no email to {address}"
        time.sleep(0.05)
    return sink.to(address)[0]


def test_a_manager_invites_a_rep_and_hands_a_leaving_reps_work_to_another(
    page, live_server, settings, smtp, manager_maria, team, rep_alice, rep_bob
):
    settings.SITE_URL = live_server.url
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "maria")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Users and roles").first.click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("Role").select_option("rep")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invited Rita Okafor")
    expect(page.get_by_role("row", name=re.compile("Rita Okafor"))).to_contain_text("invited")
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

    page.get_by_role("link", name="Deactivate Alice Rep").click()
    expect(page.get_by_text("Alice Rep owns 3 leads and has 3 open touches")).to_be_visible()
    page.get_by_label("Hand their leads and open touches to").select_option(label="Bob Rep")
    page.get_by_role("button", name="Hand over and deactivate").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Alice Rep can no longer log in; 3 leads and 3 open touches went to Bob Rep."
    )
    expect(page.get_by_role("row", name=re.compile("Alice Rep"))).to_contain_text("deactivated")
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep_bob.pk}
    assert set(Touch.objects.values_list("assigned_to", flat=True)) == {rep_bob.pk}

    invitation = the_email_to(smtp, "rita@example.com")
    link = smtp_sink.link_in(invitation, f"{live_server.url}/password/set/")
    page.get_by_role("button", name="Log out").click()
    page.goto(link)
    page.get_by_label(re.compile(r"^New password\W*$")).fill("a-long-new-pass-4")
    page.get_by_label(re.compile(r"^New password confirmation")).fill("a-long-new-pass-4")
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    queue = page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue")
    expect(queue).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Rita Okafor · rep")).to_be_visible()


def test_a_new_cadence_for_an_event_offers_to_enrol_those_already_there(page, manager_maria):
    expo = CampaignFactory(name="Expo 2026")
    for _ in range(3):
        InteractionFactory(
            lead=CallableLeadFactory(), kind=Interaction.Kind.BOOTH_VISIT, campaign=expo
        )
    cadence = cadence_with({"channel": Channel.CALL}, name="Expo follow-up", is_active=False)
    CadenceTrigger.objects.create(cadence=cadence, kind=Interaction.Kind.BOOTH_VISIT, campaign=expo)
    log_in(page, "maria")

    page.goto(f"/cadences/{cadence.pk}/edit/")
    offer = page.get_by_role("region", name="3 people were already at Expo 2026 — enrol them?")
    offer.get_by_role("button", name="Switch on and enrol 3 people").click()

    expect(page.get_by_role("status")).to_contain_text("Enrolled 3 people who were at Expo 2026.")
    expect(page.get_by_role("heading", name="Expo follow-up On")).to_be_visible()
    assert Enrolment.objects.filter(cadence=cadence).count() == 3
