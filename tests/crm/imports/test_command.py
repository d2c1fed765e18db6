"""The import_leads command: encodings, the history, refusals, and a crash or a kill
leaving nothing behind."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.db import connection

from crm.imports.engine import BATCH_ROWS
from crm.models import Interaction, Lead, LeadImport
from tests.crm.imports.command import BOOTH_LIST, import_leads, write_csv
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


ROOT = Path(__file__).resolve().parents[3]
MAC_LIST = ROOT / "tests" / "fixtures" / "imports" / "encodings" / "booth-macroman.csv"


def test_the_command_line_reads_a_list_in_the_encoding_detected():
    result = import_leads(MAC_LIST)

    assert (result["created"], result["invalid"]) == (5, 0)
    lead_import = LeadImport.objects.get()
    assert (lead_import.encoding, lead_import.encoding_detected) == ("mac-roman", "mac-roman")
    assert lead_import.header_row == 3
    soren = Lead.objects.get(email="soren.aero@nordlys.example")
    assert (soren.first_name, soren.last_name) == ("Søren", "Ærø")


def test_the_command_line_reads_a_list_in_the_encoding_given():
    import_leads(MAC_LIST, "--encoding", "windows-1252")

    lead_import = LeadImport.objects.get()
    assert (lead_import.encoding, lead_import.encoding_detected) == ("cp1252", "mac-roman")
    assert Lead.objects.get(email="soren.aero@nordlys.example").first_name == "S¿ren"


def test_the_command_line_refuses_an_encoding_it_does_not_read(tmp_path):
    with pytest.raises(CommandError, match="“klingon” is not an encoding we read"):
        import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST), "--encoding", "klingon")


def test_a_real_run_is_kept_in_the_import_history(tmp_path):
    import_leads(write_csv(tmp_path / "booth.csv", BOOTH_LIST))

    lead_import = LeadImport.objects.get()
    assert (lead_import.status, lead_import.rows, lead_import.invalid) == ("done", 4, 1)
    assert lead_import.interactions.count() == 2


def test_an_unreadable_file_fails_the_command_with_a_clear_message(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7 not a spreadsheet")

    with pytest.raises(CommandError, match="Could not read"):
        import_leads(path)
    with pytest.raises(CommandError, match="Could not read"):
        import_leads(tmp_path / "missing.csv")


def test_a_crash_mid_import_leaves_the_database_as_it_was(tmp_path):
    LeadFactory(email="person1@example.com", company="")
    rows = [f"person{n}@example.com,Company {n}" for n in range(BATCH_ROWS * 2)]
    path = write_csv(tmp_path / "booth.csv", "Email,Company\n" + "\n".join(rows) + "\n")
    from crm.imports.services import campaign_for_event, lead_import_file

    def crash_after_the_first_batch(done):
        raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        lead_import_file(
            path=str(path),
            campaign=campaign_for_event(name="Expo 2026"),
            progress=crash_after_the_first_batch,
        )

    assert list(Lead.objects.values_list("email", "company")) == [("person1@example.com", "")]
    assert not Interaction.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_import_process_leaves_the_database_as_it_was(tmp_path, postgres):
    rows = [f"person{n}@example.com,555-01{n % 100:02d}" for n in range(60_000)]
    path = write_csv(tmp_path / "booth.csv", "Email,Phone\n" + "\n".join(rows) + "\n")
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _test_database_url()}
    command = [sys.executable, "manage.py", "import_leads", str(path), "--event", "E", "-v", "2"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_environ(env), stderr=subprocess.PIPE, text=True
    )
    try:
        assert "rows read" in process.stderr.readline()  # a batch is written, uncommitted
        process.kill()
    finally:
        process.wait(timeout=30)

    time.sleep(0.2)
    assert not Lead.objects.exists()
    assert not Interaction.objects.exists()


def _test_database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _environ(extra: dict) -> dict:
    import os

    return {**os.environ, **extra}


ENCODINGS = ROOT / "tests" / "fixtures" / "imports" / "encodings"


@pytest.mark.parametrize(
    "name",
    [
        "booth-utf8.csv",
        "booth-utf8-bom.csv",
        "booth-utf16.txt",
        "booth-cp1252.csv",
        "booth-macroman.csv",
    ],
)
def test_a_list_saved_in_any_encoding_imports_every_name_intact(name):
    result = import_leads(ENCODINGS / name)

    assert (result["rows"], result["created"], result["invalid"], result["warnings"]) == (
        5,
        5,
        0,
        0,
    )
    people = Lead.objects.order_by("pk").values_list("first_name", "last_name", "country")
    assert list(people) == [
        ("Søren", "Ærø", "DK"),
        ("Begoña", "Muñoz", "ES"),
        ("Zoë", "Brändli", "CH"),
        ("François", "Lefèvre", "FR"),
        ("Jürgen", "Groß", "DE"),
    ]
    begona = Interaction.objects.get(lead__last_name="Muñoz")
    assert begona.notes == "Met at booth B12\nwants pricing for 40 seats"
    assert begona.data["rows"] == [5]  # the spreadsheet's own row: title rows count
    assert Lead.objects.get(last_name="Groß").phone == "+4917612345678"
