"""The admin's lead export and two-step import."""

import re

import pytest
from django.contrib.admin.models import LogEntry

from crm.exports import LEAD_EXPORT_COLUMNS
from crm.models import Lead
from tests.crm.exports.downloads import (
    ADMIN_CHANGELIST,
    ADMIN_EXPORT,
    ADMIN_IMPORT,
    FORMULAS,
    HEADINGS,
    admin_confirm,
    admin_export,
    admin_upload,
    both_formats,
    export,
)
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def preview_rows(response) -> list[tuple[str, list[str]]]:
    """(import type, cells) of each previewed row."""
    rows = re.findall(r'<tr class="(new|update|skip)">(.*?)</tr>', response.text, re.S)
    return [(kind, re.findall(r"<td>(.*?)</td>", cells, re.S)) for kind, cells in rows]


# The admin's export and import


@both_formats
def test_a_manager_downloads_the_admin_export_with_formulas_neutralised(staff_maria, fmt):
    lead = LeadFactory(**FORMULAS, email="evil@example.org", phone="+14155552671")

    [row] = admin_export(staff_maria, fmt)

    assert list(row) == HEADINGS
    assert (row["ID"], row["Email"], row["Phone"]) == (
        lead.pk if fmt == "xlsx" else str(lead.pk),
        "evil@example.org",
        "'+14155552671",
    )
    for field in FORMULAS:
        assert row[LEAD_EXPORT_COLUMNS[field]].startswith("'"), field


def test_the_admin_and_list_exports_write_the_same_cells(staff_maria, rep_alice):
    LeadFactory(**FORMULAS, owner=rep_alice, source_campaign=CampaignFactory())

    assert admin_export(staff_maria, "csv") == export(staff_maria, "csv")


def test_reps_may_not_use_the_admin_import_or_export(client, rep_alice):
    rep_alice.is_staff = True
    rep_alice.save()
    client.force_login(rep_alice)

    assert client.get(ADMIN_CHANGELIST).status_code == 200
    assert ADMIN_IMPORT not in client.get(ADMIN_CHANGELIST).text
    assert client.get(ADMIN_IMPORT).status_code == 403
    assert client.post(ADMIN_EXPORT, {"format": "0"}).status_code == 403


def test_managers_see_the_admin_import_and_export_buttons(staff_maria):
    response = staff_maria.get(ADMIN_CHANGELIST)

    assert ADMIN_IMPORT in response.text
    assert ADMIN_EXPORT in response.text


IMPORT_CSV = (
    "Email,Phone,First name,Last name,Company,Country\r\n"
    "ANN@Example.ORG,,Annie,Other,Acme,US\r\n"
    "new@example.org,(415) 555-2671,Nina,Neu,Newco,US\r\n"
)


@pytest.fixture
def ann(rep_alice):
    return LeadFactory(
        email="ann@example.org", first_name="Ann", last_name="Lee", company="", owner=rep_alice
    )


def test_the_admin_import_preview_shows_new_and_updated_rows_and_changes_nothing(staff_maria, ann):
    response = admin_upload(staff_maria, IMPORT_CSV.encode())

    rows = preview_rows(response)
    assert [kind for kind, _ in rows] == ["update", "new"]
    update_cells = " ".join(rows[0][1])
    assert re.search(r"<ins[^>]*>Acme</ins>", update_cells)  # an empty field filled
    assert "<span>Ann</span>" in update_cells  # a filled one kept
    assert "Annie" not in update_cells
    ann.refresh_from_db()
    assert (Lead.objects.count(), ann.company) == (1, "")


def test_confirming_the_admin_import_fills_empty_fields_and_adds_new_leads(
    staff_maria, manager_maria, ann
):
    preview = admin_upload(staff_maria, IMPORT_CSV.encode())

    response = admin_confirm(staff_maria, preview)

    assert response.redirect_chain[-1][0] == ADMIN_CHANGELIST
    assert "Import finished: 1 new, 1 updated" in response.text
    ann.refresh_from_db()
    assert (ann.email, ann.first_name, ann.last_name, ann.company) == (
        "ann@example.org",
        "Ann",
        "Lee",
        "Acme",
    )
    new = Lead.objects.get(email="new@example.org")
    assert (new.phone, new.phone_raw, new.first_name, new.owner) == (
        "+14155552671",
        "(415) 555-2671",
        "Nina",
        None,
    )
    assert LogEntry.objects.filter(user=manager_maria).count() == 2


def test_a_row_without_a_valid_email_or_phone_is_reported_and_nothing_is_imported(staff_maria, ann):
    content = IMPORT_CSV + "not-an-email,12,Nobody,,,US\r\n"

    response = admin_upload(staff_maria, content.encode())

    assert "Some rows failed to validate" in response.text
    assert "“not-an-email” is not a valid email address." in response.text
    assert "process_import" not in response.text  # no confirm form
    ann.refresh_from_db()
    assert (Lead.objects.count(), ann.company) == (1, "")


def test_an_admin_export_imports_back_into_the_same_people(staff_maria):
    formulas = {field: FORMULAS[field] for field in ("first_name", "last_name", "company", "title")}
    LeadFactory(
        **formulas,
        email="evil@example.org",
        phone="+14155552671",
        phone_ext="12",
        do_not_call=True,
        email_consent=Lead.EmailConsent.UNSUBSCRIBED,
    )
    fields = {f"leadresource_{name}": "on" for name in LEAD_EXPORT_COLUMNS}
    exported = staff_maria.post(ADMIN_EXPORT, {"format": "0", "resource": "0", **fields}).content
    Lead.objects.all().delete()

    preview = admin_upload(staff_maria, exported)
    admin_confirm(staff_maria, preview)

    lead = Lead.objects.get()
    assert {field: getattr(lead, field) for field in formulas} == formulas
    assert (lead.email, lead.phone, lead.phone_ext) == ("evil@example.org", "+14155552671", "12")
    assert (lead.do_not_call, lead.email_consent) == (True, Lead.EmailConsent.UNSUBSCRIBED)
