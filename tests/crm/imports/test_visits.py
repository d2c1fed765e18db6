"""One booth visit per person and event, keeping every scan of their badge."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from crm.imports.engine import BATCH_ROWS
from crm.models import Interaction, Lead

pytestmark = pytest.mark.django_db

BOOTH = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "booth"
SCANS = BOOTH / "badge-scanner-scanned-twice.csv"
BERLIN = ZoneInfo("Europe/Berlin")


def import_leads(path: Path, *args: str) -> dict:
    out = StringIO()
    call_command(
        "import_leads", str(path), "--event", "Hannover Messe 2026", "--json", *args, stdout=out
    )
    return json.loads(out.getvalue())


def test_a_badge_scanned_twice_keeps_each_scans_time_rating_notes_and_answers():
    result = import_leads(SCANS, "--country", "DE")

    assert (result["created"], result["duplicates"]) == (2, 1)
    anna = Lead.objects.get(email="anna.schmidt@siemens-energy.example")
    visit = anna.interactions.get()
    first, second = visit.data["scans"]
    assert first == {
        "row": 2,
        "scanned_at": "2026-04-20T10:32:11+02:00",
        "rating": "Warm",
        "notes": "Picked up brochure",
        "extra": {
            "Badge ID": "HM-4471",
            "Q1: Interested in": "Line scanners",
            "Q2: Timeline": "Q3",
        },
    }
    assert second == {
        "row": 4,
        "scanned_at": "2026-04-21T15:47:02+02:00",
        "rating": "Hot",
        "notes": "Came back with her CTO, wants a quote",
        "extra": {
            "Badge ID": "HM-4471",
            "Q1: Interested in": "Line scanners, service contract",
            "Q2: Timeline": "Q2",
        },
    }
    assert visit.notes == "Picked up brochure\nCame back with her CTO, wants a quote"
    assert visit.data["rows"] == [2, 4]


def test_the_visit_happened_at_the_first_scan_in_the_events_zone():
    import_leads(SCANS, "--country", "DE")

    anna = Lead.objects.get(email="anna.schmidt@siemens-energy.example")
    lars = Lead.objects.get(email="lars.olsen@vestas.example")
    first_scan = dt.datetime(2026, 4, 20, 10, 32, 11, tzinfo=BERLIN)
    assert anna.interactions.get().occurred_at == first_scan
    assert lars.interactions.get().occurred_at == first_scan.replace(hour=11, minute=5, second=40)
    assert anna.last_activity_at == anna.interactions.get().occurred_at


def test_a_single_scan_keeps_the_shape_every_visit_has():
    import_leads(SCANS, "--country", "DE")

    lars = Lead.objects.get(email="lars.olsen@vestas.example")
    data = lars.interactions.get().data
    assert "scans" not in data
    assert (data["rows"], data["rating"], data["scanned_at"]) == (
        [3],
        "Cold",
        "2026-04-20T11:05:40+02:00",
    )
    assert data["extra"] == {"Badge ID": "HM-5520", "Q1: Interested in": "Software"}


def test_an_unreadable_scan_time_is_reported_and_kept(tmp_path):
    path = tmp_path / "scans.csv"
    path.write_text("Email,Scan Date\na@example.com,yesterday-ish\n", encoding="utf-8")

    result = import_leads(path, "--country", "DE")

    [warning] = result["warning_rows"]
    assert (warning["row"], warning["kind"]) == (2, "scan_time")
    assert Interaction.objects.get().data["extra"]["Scan time"] == "yesterday-ish"


def test_a_later_scan_in_another_batch_joins_the_same_visit(tmp_path):
    lines = ["Email,Rating,Scan Date", "anna@example.com,Warm,2026-04-20 10:00"]
    lines += [f"person{i}@example.com,,2026-04-20 11:00" for i in range(BATCH_ROWS)]
    lines += ["anna@example.com,Hot,2026-04-21 09:00"]
    path = tmp_path / "scans.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    import_leads(path, "--country", "DE")

    visit = Interaction.objects.get(lead__email="anna@example.com")
    assert [scan["rating"] for scan in visit.data["scans"]] == ["Warm", "Hot"]


def test_a_scan_time_that_says_its_offset_keeps_it(tmp_path):
    path = tmp_path / "scans.csv"
    path.write_text("Email,Scan Date\na@example.com,2026-03-12T09:41:00Z\n", encoding="utf-8")

    import_leads(path, "--country", "DE")

    assert Interaction.objects.get().occurred_at == dt.datetime(2026, 3, 12, 9, 41, tzinfo=dt.UTC)
