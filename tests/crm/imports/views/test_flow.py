"""The browser flow of a booth-list import, page by page (jobs run inline in tests)."""

import csv
import html
import io

import pytest
from django.urls import reverse

from crm.models import Lead, LeadImport
from tests.crm.imports.views.pages import mapping_post, upload
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_reps_and_the_mailroom_cannot_import(client, rep_alice, mailroom_max):
    for user in (rep_alice, mailroom_max):
        client.force_login(user)
        assert client.get(reverse("imports:list")).status_code == 403
        assert client.get(reverse("imports:create")).status_code == 403


def test_a_manager_uploads_maps_previews_and_imports_a_booth_list(maria):
    response = upload(maria)
    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:mapping", args=[lead_import.pk])
    assert lead_import.header == ["E-mail", "Attendee", "Organisation", "Mobile", "Badge ID"]
    assert lead_import.mapping == {"0": "email", "1": "full_name", "2": "company", "3": "phone"}

    page = maria.get(response.url)
    assert page.status_code == 200
    assert "mary@example.com" in page.text  # first values shown beside each column

    response = maria.post(response.url, mapping_post(lead_import))
    assert response.status_code == 302
    preview = maria.get(lead_import.get_absolute_url()).text
    assert "Preview: nothing is stored yet" in preview
    assert not Lead.objects.exists()
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created, lead_import.invalid) == ("previewed", 2, 1)
    assert "No usable email or phone" in preview

    response = maria.post(reverse("imports:confirm", args=[lead_import.pk]))
    assert response.status_code == 302
    result = maria.get(lead_import.get_absolute_url()).text
    assert "Imported" in result
    assert Lead.objects.count() == 2
    assert Lead.objects.get(email="mary@example.com").phone == "+14155552671"


def test_the_report_lists_the_values_the_leads_kept(maria):
    known = LeadFactory(email="mary@example.com", first_name="Maria", last_name="Smith-Jones",
                        company="Contoso", phone="")  # fmt: skip
    upload(maria)
    lead_import = LeadImport.objects.get()
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping_post(lead_import))

    preview = html.unescape(maria.get(lead_import.get_absolute_url()).text)

    assert "Other values kept" in preview
    assert "the lead will keep its own" in preview
    assert "<td>Company</td><td>Contoso</td><td>Northwind</td>" in preview
    assert "<td>First name</td><td>Maria</td><td>Mary Ann</td>" in preview
    assert "Phone" not in preview.split("Other values kept")[-1]  # blank: filled, not kept

    maria.post(reverse("imports:confirm", args=[lead_import.pk]))
    result = maria.get(lead_import.get_absolute_url()).text
    assert f'<a href="{known.get_absolute_url()}">Maria Smith-Jones</a>' in result
    known.refresh_from_db()
    assert (known.company, known.phone) == ("Contoso", "+14155552671")


def test_the_invalid_rows_download_with_their_reason_and_neutralised_formulas(maria):
    upload(maria)
    lead_import = LeadImport.objects.get()
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping_post(lead_import))

    response = maria.get(reverse("imports:errors", args=[lead_import.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = ["Row", "E-mail", "Attendee", "Organisation", "Mobile", "Badge ID"]
    assert rows[0] == [*header, "Imported", "Reason"]
    assert rows[1][:3] == ["5", "'=cmd|' /C calc'!A0", "Evil Formula"]
    assert rows[1][-2] == "no"
    assert rows[1][-1].startswith("No usable email or phone")


def test_an_existing_event_can_be_chosen(maria):
    expo = CampaignFactory(name="Expo Europe", kind="event", country="DE")

    upload(maria, event=expo.pk, new_event_name="")

    assert LeadImport.objects.get().campaign == expo
    assert LeadImport.objects.get().default_country == "DE"


def test_confirming_twice_imports_once(maria):
    upload(maria)
    lead_import = LeadImport.objects.get()
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping_post(lead_import))
    confirm = reverse("imports:confirm", args=[lead_import.pk])

    maria.post(confirm)
    maria.post(confirm)

    assert Lead.objects.count() == 2
    assert lead_import.interactions.count() == 2


def test_the_progress_poll_asks_for_a_reload_when_the_job_is_over(maria):
    upload(maria)
    lead_import = LeadImport.objects.get()

    response = maria.get(reverse("imports:progress", args=[lead_import.pk]))

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"


def test_the_history_lists_who_imported_what_when(maria, manager_maria):
    upload(maria)

    page = maria.get(reverse("imports:list")).text

    assert "booth.csv" in page
    assert "Expo 2026" in page
    assert manager_maria.display_name in page


def test_another_managers_import_is_visible_but_a_missing_one_is_404(maria):
    assert maria.get(reverse("imports:detail", args=[999])).status_code == 404


def test_the_admin_lists_the_import_history(client, manager_maria):
    manager_maria.is_superuser = True
    manager_maria.is_staff = True
    manager_maria.save()
    client.force_login(manager_maria)
    upload(client)

    changelist = client.get(reverse("admin:crm_leadimport_changelist"))
    change = client.get(reverse("admin:crm_leadimport_change", args=[LeadImport.objects.get().pk]))

    assert changelist.status_code == 200 and "booth.csv" in changelist.text
    assert change.status_code == 200
