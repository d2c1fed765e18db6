from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from crm.imports import services
from crm.models import Lead, LeadImport
from tests.browser.conftest import log_in
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAC_ROMAN_LIST = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "imports"
    / "encodings"
    / "booth-macroman.csv"
)

SIGNUP_SHEET = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "imports"
    / "booth"
    / "google-sheets-booth-signups.csv"
)

BOOTH_LIST = (
    "Expo 2026 — leads report\n"
    "\n"
    "Email,Full Name,Company,Cell Phone,Country,Badge ID\n"
    "mary@example.com,Mary Ann Smith-Jones,Northwind,(415) 555-2671,USA,B-1\n"
    "tom@example.com,Tom Baker,Acme,020 7946 0958,United Kingdom,B-2\n"
    "oops,No Contact,,,,B-3\n"
)


def test_a_manager_imports_a_booth_list_end_to_end(page, manager_maria, tmp_path):
    booth_list = tmp_path / "expo-badges.csv"
    booth_list.write_text(BOOTH_LIST, encoding="utf-8")
    log_in(page, "maria")

    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a list").click()
    page.get_by_label("File").set_input_files(str(booth_list))
    page.get_by_label("New event's name").fill("Expo 2026")
    page.get_by_label("New event's country").select_option("US")
    page.get_by_label("Source").fill("Expo badge scanner")
    page.get_by_role("button", name="Upload and map columns").click()

    page.get_by_role("heading", name="Which column holds what?").wait_for()
    assert page.get_by_label("Email").input_value() == "email"
    assert page.get_by_label("Full Name").input_value() == "full_name"
    page.get_by_label("Badge ID").select_option("notes")
    page.get_by_role("button", name="Preview the import").click()

    page.get_by_role("heading", name="Preview: nothing is stored yet").wait_for()
    counts = page.locator(".counts").inner_text()
    assert "New leads\n2" in counts and "Invalid rows\n1" in counts
    assert "No usable email or phone" in page.locator(".invalid-rows").inner_text()
    assert not Lead.objects.exists()
    page.get_by_role("button", name="Import 3 rows").click()

    page.get_by_role("heading", name="Imported").wait_for()
    assert Lead.objects.count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the invalid rows").click()
    assert "oops" in download.value.path().read_text(encoding="utf-8-sig")


def test_the_progress_bar_moves_and_the_result_appears_when_the_import_ends(
    page, manager_maria, tmp_path
):
    booth_list = tmp_path / "expo-badges.csv"
    booth_list.write_text(BOOTH_LIST, encoding="utf-8")
    campaign = services.campaign_for_event(name="Expo 2026", country="US")
    with booth_list.open("rb") as file:
        lead_import = LeadImport.objects.create(
            filename="expo-badges.csv",
            content=file.read(),
            campaign=campaign,
            header=["Email", "Full Name", "Company", "Cell Phone", "Country", "Badge ID"],
            mapping={"0": "email", "1": "full_name", "2": "company", "3": "phone", "4": "country"},
            status=LeadImport.Status.IMPORTING,
            rows=3,
            started_at=timezone.now(),
            created_by=manager_maria,
        )
    services._report_progress(lead_import, 2)
    log_in(page, "maria")

    page.goto(lead_import.get_absolute_url())

    bar = page.locator("#import-progress-bar")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("2", "3")
    assert "2 of 3 rows read" in page.locator("#import-progress").inner_text()
    services.lead_import_run(lead_import=lead_import)  # the worker finishes
    page.get_by_role("heading", name="Imported").wait_for()
    assert "New leads\n2" in page.locator(".counts").inner_text()
    cache.clear()


def test_the_mapping_page_reads_out_why_each_column_was_guessed(page, manager_maria):
    report = Path(__file__).resolve().parents[1] / "fixtures/imports/vendors"
    log_in(page, "maria")
    page.goto("/imports/new/")
    page.get_by_label("File").set_input_files(str(report / "eventbrite-attendee-report.csv"))
    page.get_by_label("New event's name").fill("Expo 2026")
    page.get_by_role("button", name="Upload and map columns").click()

    page.get_by_role("heading", name="Which column holds what?").wait_for()
    assert "Eventbrite attendee report" in page.locator(".recognised").inner_text()
    attendee_number = page.get_by_label("Attendee #")
    assert attendee_number.input_value() == ""
    expect(attendee_number).to_have_accessible_description(
        "not a name: “Attendee #” numbers attendees"
    )
    expect(page.get_by_label("Cell Phone")).to_have_accessible_description(
        "Eventbrite attendee report: the attendee's cell phone"
    )


def test_a_manager_reads_a_mac_list_in_another_encoding_and_back_before_the_preview(
    page, manager_maria
):
    log_in(page, "maria")
    page.goto("/imports/new/")
    page.get_by_label("File").set_input_files(str(MAC_ROMAN_LIST))
    page.get_by_label("New event's name").fill("Expo Europe 2026")
    page.get_by_role("button", name="Upload and map columns").click()

    page.get_by_role("heading", name="Which column holds what?").wait_for()
    read_as = page.locator("#encoding-read-as")
    assert "Read as Mac Roman (detected)." in read_as.inner_text()
    first_names = page.get_by_role("row", name="First Name")
    assert "Søren" in first_names.inner_text()

    page.get_by_label("Read the file as").select_option(label="Windows (Western European, cp1252)")
    page.get_by_role("button", name="Read again").click()
    page.get_by_text("Read as Windows cp1252, as you chose; it looked like Mac Roman").wait_for()
    assert "S¿ren" in first_names.inner_text()
    assert "Søren" not in first_names.inner_text()

    page.get_by_label("Read the file as").select_option(label="Mac (Mac Roman)")
    page.get_by_role("button", name="Read again").click()
    page.get_by_text("Read as Mac Roman (detected).").wait_for()
    page.get_by_role("button", name="Preview the import").click()

    page.get_by_role("heading", name="Preview: nothing is stored yet").wait_for()
    samples = page.get_by_role("region", name="First rows").inner_text()
    for name in ("Søren Ærø", "Begoña Muñoz", "Zoë Brändli", "François Lefèvre", "Jürgen Groß"):
        assert name in samples
    assert "read as Mac Roman" in page.locator(".subtitle").inner_text()


def test_the_preview_lists_what_to_check_before_anything_is_stored(page, manager_maria):
    """The conflicts a manager must see before confirming: a phone cell that reads as
    two valid numbers, values a known lead keeps, values that can't be used."""
    LeadFactory(
        email="jane.roe@acme.example", first_name="Jane", last_name="Roe", company="Contoso"
    )
    log_in(page, "maria")
    page.goto("/imports/new/")
    page.get_by_label("File").set_input_files(str(SIGNUP_SHEET))
    page.get_by_label("New event's name").fill("Hannover Messe 2026")
    page.get_by_label("New event's country").select_option("DE")
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("heading", name="Which column holds what?").wait_for()
    page.get_by_role("button", name="Preview the import").click()

    page.get_by_role("heading", name="Preview: nothing is stored yet").wait_for()
    readings = page.get_by_role("region", name="Phone numbers to check")
    expect(readings.get_by_role("row")).to_have_count(2)  # the heading's row and one row
    row = readings.get_by_role("row").nth(1)
    expect(row).to_contain_text("4917612345678")
    expect(row.get_by_role("cell").nth(3)).to_have_text("+4917612345678")
    expect(row.get_by_role("cell").nth(4)).to_have_text("+494917612345678")
    kept = page.get_by_role("region", name="Other values kept")
    expect(kept).to_contain_text("Contoso")
    expect(kept).to_contain_text("Acme Corp")
    left_out = page.get_by_role("region", name="Values that could not be used")
    expect(left_out).to_contain_text("“claire.dubois@airbus” is not a valid email address")
    expect(left_out).to_contain_text("4.91761E+12")
    expect(left_out).to_contain_text("“Atlantis” is not a country we know")
    assert Lead.objects.count() == 1

    page.get_by_role("button", name="Import 8 rows").click()
    page.get_by_role("heading", name="Imported").wait_for()
    assert "Values to check\n4" in page.locator(".counts").inner_text()
    assert Lead.objects.get(email="jane.roe@acme.example").company == "Contoso"
