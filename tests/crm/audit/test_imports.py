"""An import is one entry, however many rows: who imported which list, and how
many leads it created and changed; its undo is one more."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.audit.models import AuditEntry
from crm.imports.undo.services import lead_import_undo
from crm.models import Lead, LeadImport
from crm.templatetags.audit import audit_sentence
from tests.booth_lists import import_booth_list
from tests.crm.exports.downloads import admin_confirm, admin_upload
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action

BOOTH_LIST = (
    "E-mail,Attendee,Organisation\n"
    "mary@example.com,Mary Smith,Northwind\n"
    "tom@example.com,Tom Baker,Acme\n"
    "ann@example.com,Ann Lee,\n"
    ",,Nobody\n"
)


def import_through_the_pages(client, content: str = BOOTH_LIST) -> LeadImport:
    client.post(
        reverse("imports:create"),
        {
            "file": SimpleUploadedFile("booth.csv", content.encode()),
            "new_event_name": "Expo 2026",
            "new_event_country": "US",
            "source": "Expo badge scanner",
        },
    )
    lead_import = LeadImport.objects.latest("pk")
    mapping = {f"column_{index}": field for index, field in lead_import.mapping.items()}
    client.post(reverse("imports:mapping", args=[lead_import.pk]), mapping)
    client.post(reverse("imports:confirm", args=[lead_import.pk]))
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.DONE
    return lead_import


def test_an_import_writes_one_entry_with_who_and_the_counts(maria, manager_maria):
    LeadFactory(email="tom@example.com", company="")

    lead_import = import_through_the_pages(maria)

    entry = AuditEntry.objects.get()  # not one per row, nor one for the preview
    assert (entry.action, entry.actor, entry.lead_id) == (Action.IMPORTED, manager_maria, None)
    assert (entry.subject_type, entry.subject_id) == ("crm.leadimport", lead_import.pk)
    assert entry.data == {"rows": 4, "created": 2, "updated": 1, "invalid": 1}


def test_an_imported_leads_page_shows_the_import(maria):
    import_through_the_pages(maria)
    lead = Lead.objects.get(email="mary@example.com")

    page = maria.get(lead.get_absolute_url()).text

    assert "Maria Manager imported booth.csv → Expo 2026: 3 leads created, 0 updated" in page


def test_an_import_from_the_command_line_is_recorded_as_such(tmp_path):
    lead_import = import_booth_list(tmp_path)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name, entry.subject_id) == (
        None,
        "command line",
        lead_import.pk,
    )
    assert entry.data["created"] == lead_import.created == Lead.objects.count()


def test_undoing_an_import_is_one_more_entry(tmp_path, manager_maria):
    lead_import = import_booth_list(tmp_path)

    lead_import_undo(lead_import=lead_import, by=manager_maria)

    undone = AuditEntry.objects.get(action=Action.IMPORT_UNDONE)
    assert (undone.actor, undone.subject_id) == (manager_maria, lead_import.pk)
    assert undone.data == {"deleted": lead_import.created, "updated": 0}


def test_an_admin_import_writes_one_entry_besides_the_changes_to_the_leads_it_matched(
    staff_maria, manager_maria
):
    ann = LeadFactory(email="ann@example.org", company="")
    csv = (
        "Email,Phone,First name,Last name,Company,Country\r\n"
        "ann@example.org,,Ann,Lee,Acme,US\r\n"
        "new@example.org,(415) 555-2671,Nina,Neu,Newco,US\r\n"
    )

    admin_confirm(staff_maria, admin_upload(staff_maria, csv.encode()))

    imported = AuditEntry.objects.get(action=Action.IMPORTED)  # none for the preview
    assert (imported.actor, imported.note) == (manager_maria, "admin import of leads.csv")
    assert imported.data == {"rows": 2, "created": 1, "updated": 1, "invalid": 0}
    assert audit_sentence(imported) == (
        "Maria Manager imported a list: 1 lead created, 1 updated (admin import of leads.csv)"
    )
    filled = AuditEntry.objects.get(action=Action.CHANGED)
    assert (filled.lead_id, filled.changes) == (ann.pk, {"company": ["", "Acme"]})
