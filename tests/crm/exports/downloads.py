"""Reading a lead export, from the lead list or the admin, and driving the admin's
two-step import, for the tests of crm.exports."""

import codecs
import csv
import html
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.exports import LEAD_EXPORT_COLUMNS

EXPORT_URLS = {"csv": reverse("crm:lead_export_csv"), "xlsx": reverse("crm:lead_export_xlsx")}
ADMIN_CHANGELIST = reverse("admin:crm_lead_changelist")
ADMIN_EXPORT = reverse("admin:crm_lead_export")
ADMIN_IMPORT = reverse("admin:crm_lead_import")
ADMIN_FORMATS = {"csv": "0", "xlsx": "1"}
HEADINGS = list(LEAD_EXPORT_COLUMNS.values())
FORMULAS = {
    "first_name": "@SUM(1+1)",
    "last_name": "-2+3",
    "company": '=HYPERLINK("http://evil")',
    "title": "+cmd|' /C calc'!A0",
    "address_line1": "\t=1+1",
    "address_line2": "\r=1+1",
}
both_formats = pytest.mark.parametrize("fmt", ["csv", "xlsx"])


def read_csv(content: bytes) -> list[dict]:
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADINGS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_xlsx(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "a formula"
    rows = [["" if value is None else value for value in row] for row in sheet.values]
    assert rows[0] == HEADINGS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


READERS = {"csv": read_csv, "xlsx": read_xlsx}


def export(client, fmt: str, params: dict | None = None) -> list[dict]:
    """The rows of the lead list's export, one dict per lead by heading."""
    response = client.get(EXPORT_URLS[fmt], params or {})
    assert response.status_code == 200
    assert response.streaming
    return READERS[fmt](b"".join(response.streaming_content))


def emails(rows: list[dict]) -> list[str]:
    return [row["Email"] for row in rows]


def admin_export(client, fmt: str) -> list[dict]:
    fields = {f"leadresource_{name}": "on" for name in LEAD_EXPORT_COLUMNS}
    response = client.post(ADMIN_EXPORT, {"format": ADMIN_FORMATS[fmt], "resource": "0", **fields})
    assert response.status_code == 200
    assert f".{fmt}" in response["Content-Disposition"]
    return READERS[fmt](response.content)


def admin_upload(client, content: bytes):
    """The admin import's first step: upload, which answers the preview."""
    upload = SimpleUploadedFile("leads.csv", content, content_type="text/csv")
    response = client.post(
        ADMIN_IMPORT, {"format": ADMIN_FORMATS["csv"], "resource": "0", "import_file": upload}
    )
    assert response.status_code == 200
    return response


def admin_confirm(client, preview):
    """The admin import's second step: the preview page's confirm form, submitted."""
    form = re.search(
        r'<form action="([^"]*process_import/)" method="POST">(.*?)</form>', preview.text, re.S
    )
    assert form, "no confirm form"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))
    return client.post(html.unescape(form.group(1)), fields, follow=True)
