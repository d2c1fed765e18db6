"""After an import, in a real browser: from the result page to the import's leads
in the lead list, and on to sharing them out by territory."""

import pytest
from playwright.sync_api import expect

from crm.models import Interaction, Lead
from tests.booth_lists import import_booth_list
from tests.browser.conftest import log_in
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_manager_opens_an_imports_leads_and_assigns_them_by_territory(
    page, manager_maria, rep_alice, rep_bob, tmp_path
):
    expo = import_booth_list(tmp_path)
    kept = dict(Lead.objects.filter(country__in=["FR", ""]).values_list("email", "owner__username"))
    log_in(page, "maria")

    page.goto(expo.get_absolute_url())
    steps = page.get_by_role("region", name="Next steps")
    steps.get_by_role("link", name="Open these 9 leads").click()

    page.wait_for_url(f"**/leads/?lead_import={expo.pk}")
    expect(page.locator("#active-import")).to_contain_text("From the import of expo-badges.csv, ")
    rows = page.locator("table.leads tbody tr")
    expect(rows).to_have_count(9)
    page.get_by_label("Country").fill("Germany")
    page.get_by_label("Country").press("Enter")
    expect(rows).to_have_count(3)  # the import's Germans: the filters combine
    page.get_by_label("Country").fill("")
    page.get_by_label("Country").press("Enter")
    expect(rows).to_have_count(9)
    page.get_by_role("link", name="Assign", exact=True).click()

    page.get_by_role("heading", name="Assign leads").wait_for()
    expect(page.get_by_text("9 leads to share out.")).to_be_visible()
    page.get_by_label("Give Germany to").select_option(label="Alice Rep")
    page.get_by_label("Give Bayern to").select_option(label="Bob Rep")
    page.get_by_label("Give United States to").select_option(label="Alice Rep")
    expect(page.locator("#territory-preview")).to_have_text(
        "Alice Rep 4 leads, Bob Rep 2 leads; 3 leads keep their owner"
    )
    page.get_by_role("button", name="Assign by territory").click()

    page.wait_for_url(f"**{expo.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text("Assigned 6 leads: Alice Rep 4, Bob Rep 2.")
    owners = dict(Lead.objects.values_list("email", "owner__username"))
    assert (owners["ada@analytical.example"], owners["max@quanta.example"]) == ("bob", "bob")
    assert owners["emmy@rings.example"] == "alice"
    assert {owners[email] for email in ("grace@cobol.example", "barbara@clu.example")} == {"alice"}
    assert {email: owners[email] for email in kept} == kept


def test_the_round_robin_preview_follows_the_people_ticked_and_which_leads(
    page, manager_maria, rep_alice, rep_bob, tmp_path
):
    expo = import_booth_list(tmp_path)
    InteractionFactory(
        lead=Lead.objects.get(email="grace@cobol.example"),
        kind=Interaction.Kind.CALL,
        user=rep_bob,
        outcome="interested",
    )
    log_in(page, "maria")
    page.goto(expo.get_absolute_url())
    page.get_by_role("region", name="Next steps").get_by_role("link", name="Assign 8 leads").click()

    round_robin = page.get_by_role("form", name="Round-robin")
    preview = page.locator("#round-robin-preview")
    expect(page.get_by_text("8 leads to share out.")).to_be_visible()
    round_robin.get_by_label("Alice Rep").check()
    expect(preview).to_have_text("Alice Rep 8 leads")
    round_robin.get_by_label("Bob Rep").check()
    expect(preview).to_have_text("Alice Rep 4 leads, Bob Rep 4 leads")
    page.get_by_label("All 9, also the ones a rep is working").check()
    expect(page.get_by_text("9 leads to share out.")).to_be_visible()
    assert "which=all" in page.url
    page.get_by_role("form", name="Round-robin").get_by_label("Bob Rep").check()
    expect(page.locator("#round-robin-preview")).to_have_text("Bob Rep 9 leads")
    page.get_by_role("button", name="Assign round-robin").click()

    page.wait_for_url(f"**{expo.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text("Assigned 9 leads: Bob Rep 9.")
    assert set(Lead.objects.values_list("owner__username", flat=True)) == {"bob"}
