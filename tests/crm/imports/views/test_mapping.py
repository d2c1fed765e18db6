"""The mapping page: a mapping remembered for the source, and why each column was guessed."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import ImportMapping, LeadImport
from tests.crm.imports.views.pages import VENDORS, mapping_post, upload

pytestmark = pytest.mark.django_db


def test_the_mapping_is_remembered_for_the_source(maria):
    upload(maria)
    first = LeadImport.objects.get()
    maria.post(
        reverse("imports:mapping", args=[first.pk]),
        mapping_post(first, column_4="notes", column_2=""),
    )
    assert ImportMapping.objects.get(source="Expo badge scanner").columns["badge id"] == "notes"

    upload(maria)

    second = LeadImport.objects.latest("pk")
    assert second.mapping == {"0": "email", "1": "full_name", "3": "phone", "4": "notes"}


def reason_for(page: str, column: int) -> str:
    """The text of the element the column's select says describes it."""
    text = html.unescape(page)
    select = re.search(rf'<select name="column_{column}"[^>]*aria-describedby="([^"]+)"', text)
    assert select, f"column {column}'s select has no description"
    reason = re.search(rf'id="{select[1]}">([^<]+)<', text)
    assert reason, f"no element {select[1]}"
    return reason[1]


def test_the_mapping_page_says_beside_each_column_why_it_was_guessed(maria):
    response = upload(maria)
    page = maria.get(response.url).content.decode()

    assert reason_for(page, 0) == "“E-mail” is a usual heading for Email"
    assert reason_for(page, 1) == "“Attendee” is a usual heading for Full name"
    assert reason_for(page, 4) == "not a name: “Badge ID” identifies badges"
    reasons = LeadImport.objects.get().mapping_reasons
    assert reasons["2"] == "“Organisation” is a usual heading for Company"


def test_the_mapping_page_says_a_mapping_was_remembered_for_the_source(maria):
    upload(maria)
    first = LeadImport.objects.get()
    maria.post(reverse("imports:mapping", args=[first.pk]), mapping_post(first, column_4="notes"))

    page = maria.get(upload(maria).url).content.decode()

    assert reason_for(page, 4) == "as mapped last time for “Expo badge scanner”"


def test_the_mapping_page_names_a_known_export_and_its_columns(maria):
    report = VENDORS / "eventbrite-attendee-report.csv"
    data = {
        "file": SimpleUploadedFile(report.name, report.read_bytes()),
        "new_event_name": "Expo 2026",
        "new_event_country": "US",
    }

    page = maria.get(maria.post(reverse("imports:create"), data).url).content.decode()

    lead_import = LeadImport.objects.get()
    assert lead_import.recognised_as == "Eventbrite attendee report"
    assert "Recognised from its headings: <strong>Eventbrite attendee report</strong>" in page
    header = lead_import.header
    assert reason_for(page, header.index("Attendee #")) == (
        "not a name: “Attendee #” numbers attendees"
    )
    assert reason_for(page, header.index("Cell Phone")) == (
        "Eventbrite attendee report: the attendee's cell phone"
    )
    assert lead_import.mapping[str(header.index("Work Phone"))] == "phone"
