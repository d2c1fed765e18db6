"""Exported leads import back as the same leads: phones (+39, +1, +44) come back
as the same E.164 numbers through the booth-list import and the admin's, while
cells a spreadsheet would run stay neutralised in the file."""

import csv
import io
import json
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.models import ContactPoint, Lead
from tests.crm.exports.downloads import admin_confirm, admin_upload
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

EXPORT_URLS = {"csv": reverse("crm:lead_export_csv"), "xlsx": reverse("crm:lead_export_xlsx")}
PHONES = {
    "ana@example.org": ("+390280323411", "", "+390612345678"),
    "ben@example.org": ("+14155550134", "12", "+12125550199"),
    "cat@example.org": ("+442079460123", "", "+447700900123"),
}
FORMULAS = {
    "company": '=HYPERLINK("http://evil")',
    "title": "+cmd|' /C calc'!A0",
    "city": "-2+3",
    "address_line1": "@SUM(1+1)",
}


def leads_with_phones():
    for email, (phone, extension, other) in PHONES.items():
        lead = LeadFactory(email=email, phone=phone, phone_ext=extension, **FORMULAS)
        ContactPoint.objects.create(lead=lead, kind=ContactPoint.Kind.PHONE, value=other, raw=other)
        lead.other_contacts = other
        lead.save()


def phones_now() -> dict[str, tuple[str, str, str]]:
    return {
        lead.email: (
            lead.phone,
            lead.phone_ext,
            " ".join(lead.contact_points.values_list("value", flat=True)),
        )
        for lead in Lead.objects.all()
    }


def exported_file(client, fmt: str, tmp_path):
    response = client.get(EXPORT_URLS[fmt])
    assert response.status_code == 200
    path = tmp_path / f"leads.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def import_leads(path) -> dict:
    out = StringIO()
    call_command("import_leads", str(path), "--event", "Re-import", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_phones_come_back_the_same_through_the_booth_list_import(maria, fmt, tmp_path):
    leads_with_phones()
    path = exported_file(maria, fmt, tmp_path)
    Lead.objects.all().delete()

    result = import_leads(path)

    assert (result["created"], result["invalid"]) == (3, 0), result
    # The booth-list import reads the main phone (an extension or other phones have
    # no column of their own in a booth list); the admin import reads them all.
    main_phones = {email: phone for email, (phone, _, _) in PHONES.items()}
    assert {lead.email: lead.phone for lead in Lead.objects.all()} == main_phones
    for lead in Lead.objects.all():
        assert lead.phone_raw == lead.phone, "the raw phone keeps no neutralising quote"
        assert {field: getattr(lead, field) for field in FORMULAS} == FORMULAS


def test_exported_phones_and_extensions_come_back_the_same_through_the_admin_import(
    client, manager_maria, tmp_path
):
    manager_maria.is_staff = True
    manager_maria.save()
    client.force_login(manager_maria)
    leads_with_phones()
    exported = exported_file(client, "csv", tmp_path).read_bytes()
    Lead.objects.all().delete()

    admin_confirm(client, admin_upload(client, exported))

    assert {email: phones[:2] for email, phones in phones_now().items()} == {
        email: phones[:2] for email, phones in PHONES.items()
    }
    for lead in Lead.objects.all():
        assert {field: getattr(lead, field) for field in FORMULAS} == FORMULAS


def test_the_csv_file_keeps_formulas_and_phones_neutralised(maria, tmp_path):
    leads_with_phones()

    text = exported_file(maria, "csv", tmp_path).read_text(encoding="utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["Phone"] for row in rows} == {f"'{phone}" for phone, _, _ in PHONES.values()}
    for row in rows:
        assert row["Company"] == "'" + FORMULAS["company"]
        assert row["Title"] == "'" + FORMULAS["title"]
        assert row["City"] == "'" + FORMULAS["city"]
        assert row["Address line 1"] == "'" + FORMULAS["address_line1"]


def test_the_xlsx_file_holds_phones_as_text_and_formulas_neutralised(maria, tmp_path):
    leads_with_phones()

    sheet = openpyxl.load_workbook(exported_file(maria, "xlsx", tmp_path)).active

    rows = list(sheet.iter_rows())
    heading = [cell.value for cell in rows[0]]
    phone, company = heading.index("Phone"), heading.index("Company")
    for row in rows[1:]:
        assert row[phone].data_type == "s" and row[phone].value.startswith("+")
        assert row[phone].quotePrefix, "Excel keeps it text even when the cell is edited"
        assert row[company].value == "'" + FORMULAS["company"]
        assert all(cell.data_type != "f" for cell in row)
