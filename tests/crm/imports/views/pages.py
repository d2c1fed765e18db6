"""Uploading a booth list and posting its mapping, as a manager's browser does,
for the tests of the import pages."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import LeadImport

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "imports"
VENDORS = FIXTURES / "vendors"

BOOTH_LIST = (
    "Expo 2026 — leads report\n"
    "\n"
    "E-mail,Attendee,Organisation,Mobile,Badge ID\n"
    "mary@example.com,Mary Ann Smith-Jones,Northwind,(415) 555-2671,B-1\n"
    "=cmd|' /C calc'!A0,Evil Formula,,,B-2\n"
    "tom@example.com,Tom Baker,Acme,,B-3\n"
)


def upload(client, content: str = BOOTH_LIST, name: str = "booth.csv", **fields):
    data = {
        "file": SimpleUploadedFile(name, content.encode()),
        "new_event_name": "Expo 2026",
        "new_event_country": "US",
        "source": "Expo badge scanner",
        **fields,
    }
    return client.post(reverse("imports:create"), data)


def mapping_post(lead_import: LeadImport, **overrides) -> dict:
    data = {f"column_{index}": field for index, field in lead_import.mapping.items()}
    data.update(overrides)
    return data
