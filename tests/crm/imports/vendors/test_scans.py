"""A badge scanned twice: one lead, one visit, each scan kept with its time and rating."""

import pytest

from tests.crm.imports.vendors.exports import BIZZABO, ZOOM, import_leads, lead


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "email", "notes"),
    [
        pytest.param(
            ZOOM,
            "priya.raman@woodgrove.example",
            "Asked about SSO\nCame back with her CTO; send pricing",
            id="zoom",
        ),
        pytest.param(
            BIZZABO,
            "giulia.rossi@fabrikam.example",
            "Runs 12 events a year\nSecond visit: wants a quote for 3 events",
            id="bizzabo",
        ),
    ],
)
def test_a_person_scanned_twice_is_one_lead_with_one_visit_holding_both_rows(export, email, notes):
    import_leads(export)

    visit = lead(email).interactions.get()
    assert visit.data["rows"] == [2, 4]
    assert visit.notes == notes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "email", "rows"),
    [
        pytest.param(ZOOM, "priya.raman@woodgrove.example", [2, 4], id="zoom"),
        pytest.param(BIZZABO, "giulia.rossi@fabrikam.example", [2, 4], id="bizzabo"),
    ],
)
def test_each_scan_of_a_badge_scanned_twice_is_kept_with_its_time(export, email, rows):
    import_leads(export)

    scans = lead(email).interactions.get().data["scans"]
    assert [scan["row"] for scan in scans] == rows
    assert all(scan["scanned_at"] for scan in scans)
    assert scans[0]["scanned_at"] < scans[1]["scanned_at"]


@pytest.mark.django_db
def test_a_zoom_rescan_keeps_each_scans_rating():
    import_leads(ZOOM)

    scans = lead("priya.raman@woodgrove.example").interactions.get().data["scans"]
    assert [scan["rating"] for scan in scans] == ["5", "4"]


@pytest.mark.django_db
def test_a_bizzabo_rescan_keeps_who_scanned_the_second_time():
    import_leads(BIZZABO)

    visit = lead("giulia.rossi@fabrikam.example").interactions.get()
    assert visit.data["scans"][1]["extra"]["Scanned By"] == "Ben Booth"
