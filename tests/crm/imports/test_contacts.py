"""Every person, every phone, every address on a real booth list: read right,
kept, matched on the next list and found by search."""

import csv
import io
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.models import ContactPoint, Interaction, Lead, LeadImport
from crm.selectors import lead_search
from crm.services import lead_find_or_create

pytestmark = pytest.mark.django_db

BOOTH = Path(__file__).resolve().parents[2] / "fixtures" / "imports" / "booth"
SIGNUPS = BOOTH / "google-sheets-booth-signups.csv"


def import_leads(path: Path, *args: str) -> dict:
    out = StringIO()
    call_command(
        "import_leads", str(path), "--event", "Hannover Messe 2026", "--json", *args, stdout=out
    )
    return json.loads(out.getvalue())


def other_contacts(lead: Lead) -> list[tuple[str, str, str]]:
    return list(lead.contact_points.order_by("pk").values_list("kind", "value", "label"))


@pytest.fixture
def signups() -> dict:
    return import_leads(SIGNUPS, "--country", "DE")


def test_every_person_with_an_email_or_phone_becomes_a_lead(signups):
    assert (signups["rows"], signups["created"], signups["invalid"]) == (8, 7, 1)
    assert [error["row"] for error in signups["errors"]] == [11]  # "n/a" and nothing else


def test_phones_a_sheet_stored_as_numbers_keep_their_country_code_once(signups):
    assert Lead.objects.get(last_name="Schmidt").phone == "+4917612345678"
    assert Lead.objects.get(last_name="Roe").phone == "+12125550123"
    assert Lead.objects.get(last_name="Baker").phone == "+442079460321"
    assert Lead.objects.get(last_name="Muñoz").phone == "+34612345678"  # national, in Spain


def test_a_cell_that_reads_as_two_valid_numbers_is_listed_to_check(signups):
    readings = [w for w in signups["warning_rows"] if w["kind"] == "phone_reading"]

    assert readings == [
        {
            "row": 4,
            "kind": "phone_reading",
            "column": "Phone",
            "message": readings[0]["message"],
            "values": {
                "cell": "4917612345678",
                "kept": "+4917612345678",
                "other": "+494917612345678",
            },
        }
    ]
    assert "country code of DE" in readings[0]["message"]


def test_every_phone_column_is_kept_with_its_label(signups):
    anna = Lead.objects.get(last_name="Schmidt")
    jane = Lead.objects.get(last_name="Roe")
    max_ = Lead.objects.get(last_name="Mustermann")

    assert other_contacts(anna) == [("phone", "+49301234567", "Work Phone")]
    assert ("phone", "+12125550199", "Work Phone") in other_contacts(jane)
    # The main phone is the first usable one: the shortened number is not.
    assert (max_.phone, other_contacts(max_)) == ("+49711400400", [])


def test_email_cells_as_people_paste_them(signups):
    anna = Lead.objects.get(last_name="Schmidt")
    jane = Lead.objects.get(last_name="Roe")
    tom = Lead.objects.get(last_name="Baker")
    soren = Lead.objects.get(first_name="Søren")

    assert anna.email == "Anna.Schmidt@Siemens-Energy.example"  # mailto: gone
    assert tom.email == "tom.baker@bbc.example"  # spaces gone
    assert jane.email == "jane.roe@acme.example"  # the display name gone
    assert ("email", "jane.roe.private@gmail.example", "Email") in other_contacts(jane)
    assert (soren.email, other_contacts(soren)) == (
        "soren@orsted.example",
        [("email", "s.aero@gmail.example", "Email")],
    )


def test_an_address_that_cannot_be_used_is_reported_on_its_row_and_kept(signups):
    claire = Lead.objects.get(last_name="Dubois")
    [warning] = [w for w in signups["warning_rows"] if w["kind"] == "email"]

    assert (claire.email, claire.phone) == ("", "+33612345678")
    assert warning["row"] == 8
    assert "“claire.dubois@airbus” is not a valid email address" in warning["message"]
    assert claire.interactions.get().data["extra"]["Unusable email"] == "claire.dubois@airbus"


def test_a_shortened_number_and_an_unknown_country_are_reported_on_their_row(signups):
    warnings = {(w["row"], w["kind"]) for w in signups["warning_rows"]}

    assert {(9, "phone"), (9, "country")} <= warnings
    max_ = Lead.objects.get(last_name="Mustermann")
    assert max_.country == ""
    assert max_.interactions.get().data["extra"]["Country"] == "Atlantis"
    assert max_.interactions.get().data["extra"]["Unusable phone"] == "4.91761E+12"


def test_nothing_else_is_reported(signups):
    assert sorted((w["row"], w["kind"]) for w in signups["warning_rows"]) == [
        (4, "phone_reading"),
        (8, "email"),
        (9, "country"),
        (9, "phone"),
    ]
    assert signups["warnings"] == 4


def test_other_addresses_and_numbers_match_the_lead_on_the_next_list(signups, tmp_path):
    later = tmp_path / "webinar.csv"
    later.write_text(
        "Email,Phone,Company\n"
        "JANE.ROE.PRIVATE@gmail.example,,\n"  # Jane's other address, in other case
        ",030 1234567,Siemens\n"  # Anna's work phone, as she writes it
        "s.aero@gmail.example,,Ørsted A/S\n",
        encoding="utf-8",
    )

    result = import_leads(later, "--country", "DE")

    assert (result["created"], result["updated"]) == (0, 3)
    assert Lead.objects.count() == 7


def test_a_single_person_from_the_api_matches_an_other_phone_too(signups):
    anna = Lead.objects.get(last_name="Schmidt")

    found = lead_find_or_create(phone="+49 30 1234567")

    assert (found.created, found.lead.pk) == (False, anna.pk)


def test_other_phones_and_addresses_are_found_by_the_lead_search(signups):
    anna = Lead.objects.get(last_name="Schmidt")
    jane = Lead.objects.get(last_name="Roe")

    assert list(lead_search(Lead.objects.all(), "030 1234567")) == [anna]
    assert list(lead_search(Lead.objects.all(), "roe.private")) == [jane]


def test_the_same_list_imported_again_adds_no_contact_twice(signups):
    again = import_leads(SIGNUPS, "--country", "DE")

    assert again["created"] == 0
    assert ContactPoint.objects.count() == signups["contact_points"] == 4
    assert Interaction.objects.filter(kind=Interaction.Kind.BOOTH_VISIT).count() == 7


def test_the_lead_page_shows_the_other_contacts(signups, maria):
    jane = Lead.objects.get(last_name="Roe")

    page = maria.get(jane.get_absolute_url()).text

    assert "jane.roe.private@gmail.example" in page and "(Email)" in page
    assert 'href="tel:+12125550199"' in page and "(Work Phone)" in page


def test_the_preview_lists_the_phone_to_check_and_the_report_has_every_problem(maria, tmp_path):
    upload = tmp_path / "signups.csv"
    shutil.copy(SIGNUPS, upload)
    with upload.open("rb") as file:
        maria.post(
            reverse("imports:create"),
            {"file": file, "new_event_name": "Hannover Messe 2026", "new_event_country": "DE"},
        )
    lead_import = LeadImport.objects.get()
    mapping = {f"column_{i}": field for i, field in lead_import.mapping.items()}
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping)

    page = maria.get(lead_import.get_absolute_url()).text
    report = maria.get(reverse("imports:errors", args=[lead_import.pk]))

    assert "Phone numbers to check" in page
    assert "+494917612345678" in page  # the other reading, beside the one kept
    assert "Values that could not be used" in page and "claire.dubois@airbus" in page
    assert not Lead.objects.exists()  # a preview
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    listed = [(row[0], row[-2]) for row in rows[1:]]
    assert listed == [("4", "yes"), ("8", "yes"), ("9", "yes"), ("9", "yes"), ("11", "no")]
    assert rows[2][1] == "Claire Dubois"  # the row's cells, to correct in the file


def test_names_are_split_with_their_prefix_and_last_first_order(signups):
    anna = Lead.objects.get(email__iexact="anna.schmidt@siemens-energy.example")
    jane = Lead.objects.get(email="jane.roe@acme.example")

    assert (anna.name_prefix, anna.first_name, anna.last_name) == ("Dr.", "Anna", "Schmidt")
    assert (jane.first_name, jane.last_name) == ("Jane", "Roe")


def test_countries_in_the_local_language_are_read(signups):
    countries = dict(Lead.objects.values_list("last_name", "country"))

    assert countries == {
        "Schmidt": "DE",  # Deutschland
        "Roe": "US",  # U.S.A.
        "Baker": "GB",  # UK
        "Ærø": "DK",  # Danmark
        "Dubois": "DE",  # Allemagne, as she wrote it
        "Mustermann": "",  # Atlantis: reported on its row
        "Muñoz": "ES",  # España
    }


XLSX = BOOTH.parent / "xlsx"


@pytest.mark.parametrize("workbook", ["booth-excel.xlsx", "booth-google-sheets.xlsx"])
def test_phones_typed_as_numbers_in_a_workbook_keep_their_country_code_once(workbook):
    result = import_leads(XLSX / workbook)

    assert dict(Lead.objects.values_list("email", "phone")) == {
        "soren.aero@nordlys.example": "+4520123456",  # 4520123456 in a Danish row
        "begona.munoz@iberdata.example": "+34612345678",
        "zoe.braendli@kaeserei.example": "+41791234567",
        "jurgen.gross@strassenbau.example": "+4917612345678",  # not +494917612345678
        "mary.smith@northwind.example": "+12125550123",
        "tom.baker@acme.example": "+442079460321",
        "anna.schmidt@strassenbau.example": "+49301234567",  # 030 1234567, national
    }
    checks = [w for w in result["warning_rows"] if w["kind"] == "phone_reading"]
    assert [(w["values"]["cell"], w["values"]["kept"], w["values"]["other"]) for w in checks] == [
        ("4917612345678", "+4917612345678", "+494917612345678")
    ]
