"""The browser flow of a booth-list import, page by page (jobs run inline in tests)."""

import csv
import html
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import ImportMapping, Lead, LeadImport
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
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


def upload_file(client, path: Path):
    data = {
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "new_event_name": "Expo Europe 2026",
        "new_event_country": "DE",
    }
    return client.post(reverse("imports:create"), data)


def read_as(client, lead_import: LeadImport, encoding: str):
    return client.post(reverse("imports:encoding", args=[lead_import.pk]), {"encoding": encoding})


def test_the_mapping_page_names_the_detected_encoding_and_reads_again_in_the_chosen_one(maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-macroman.csv")
    lead_import = LeadImport.objects.get()
    assert (lead_import.encoding, lead_import.encoding_detected) == ("mac-roman", "mac-roman")
    assert lead_import.header_row == 3
    mapping = reverse("imports:mapping", args=[lead_import.pk])

    page = maria.get(mapping).text
    assert "Read as <strong>Mac Roman</strong> (detected)." in page
    assert "<span>Søren</span>" in page
    assert '<option value="mac-roman" selected>Mac (Mac Roman)</option>' in page

    response = read_as(maria, lead_import, "cp1252")
    assert (response.status_code, response.url) == (302, mapping)
    page = html.unescape(maria.get(mapping).text)
    assert "Read as <strong>Windows cp1252</strong>, as you chose; it looked like Mac Roman" in page
    assert "<span>S¿ren</span>" in page and "<span>Søren</span>" not in page

    read_as(maria, lead_import, "mac-roman")
    maria.post(mapping, mapping_post(LeadImport.objects.get()))
    preview = maria.get(lead_import.get_absolute_url()).text
    assert "read as Mac Roman" in preview
    assert "<tr><td>4</td><td>Søren Ærø</td>" in preview
    assert "<tr><td>8</td><td>Jürgen Groß</td>" in preview


def test_the_preview_numbers_rows_as_the_spreadsheet_does_title_rows_included(maria):
    upload(maria)  # a title, a blank line, the header on line 3
    lead_import = LeadImport.objects.get()
    assert lead_import.header_row == 3
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping_post(lead_import))

    preview = maria.get(lead_import.get_absolute_url()).text

    assert "<tr><td>4</td><td>Mary Ann Smith-Jones</td>" in preview
    assert "<tr><td>6</td><td>Tom Baker</td>" in preview
    assert "<tr><td>5</td><td>No usable email or phone" in preview


def test_reading_again_keeps_the_mapping_when_the_header_reads_the_same(maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-cp1252.csv")
    lead_import = LeadImport.objects.get()
    maria.post(
        reverse("imports:mapping", args=[lead_import.pk]), mapping_post(lead_import, column_6="")
    )

    read_as(maria, lead_import, "iso8859-15")

    lead_import.refresh_from_db()
    assert (lead_import.encoding, lead_import.status) == ("iso8859-15", "mapping")
    assert "6" not in lead_import.mapping


def test_reading_again_guesses_the_mapping_again_when_the_header_reads_differently(maria):
    content = "E-Mail;Prénom;Nom;Téléphone\r\nzoe@example.ch;Zoë;Brändli;079 123 45 67\r\n"
    maria.post(
        reverse("imports:create"),
        {
            "file": SimpleUploadedFile("salon.csv", content.encode("cp1252")),
            "new_event_name": "Salon Genève",
        },
    )
    lead_import = LeadImport.objects.get()
    assert lead_import.mapping["1"] == "first_name"

    read_as(maria, lead_import, "utf-8")

    lead_import.refresh_from_db()
    assert lead_import.header[1] == "Pr\ufffdnom"
    assert "1" not in lead_import.mapping
    assert lead_import.mapping["0"] == "email"


def test_an_encoding_we_do_not_offer_answers_400_with_a_field_error(maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-macroman.csv")
    lead_import = LeadImport.objects.get()

    response = read_as(maria, lead_import, "klingon")

    assert response.status_code == 400
    assert "klingon is not one of the available choices" in response.text
    assert "Which column holds what?" in response.text
    lead_import.refresh_from_db()
    assert lead_import.encoding == "mac-roman"


def test_an_encoding_that_reads_no_header_is_refused_with_the_reason(maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-utf16.txt")
    lead_import = LeadImport.objects.get()

    response = read_as(maria, lead_import, "cp1252")

    assert response.status_code == 400
    assert "No header row found" in response.context["encoding_form"].errors["encoding"][0]
    lead_import.refresh_from_db()
    assert lead_import.encoding == "utf-16"


def test_a_workbook_has_no_encoding_to_choose(maria):
    upload_file(maria, FIXTURES / "xlsx" / "booth-excel.xlsx")
    lead_import = LeadImport.objects.get()
    assert (lead_import.encoding, lead_import.header_row) == ("", 3)

    assert "Read again" not in maria.get(reverse("imports:mapping", args=[lead_import.pk])).text
    response = read_as(maria, lead_import, "cp1252")

    assert response.status_code == 400
    assert "An Excel workbook has no text encoding to choose." in response.text


def test_an_import_already_running_is_not_read_again(maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-macroman.csv")
    lead_import = LeadImport.objects.get()
    LeadImport.objects.filter(pk=lead_import.pk).update(status=LeadImport.Status.IMPORTING)

    response = read_as(maria, lead_import, "cp1252")

    assert (response.status_code, response.url) == (302, lead_import.get_absolute_url())
    lead_import.refresh_from_db()
    assert (lead_import.encoding, lead_import.status) == ("mac-roman", "importing")


def test_reps_cannot_choose_an_import_encoding(client, rep_alice, maria):
    upload_file(maria, FIXTURES / "encodings" / "booth-macroman.csv")
    lead_import = LeadImport.objects.get()
    client.force_login(rep_alice)

    assert read_as(client, lead_import, "cp1252").status_code == 403
    lead_import.refresh_from_db()
    assert lead_import.encoding == "mac-roman"


def test_a_file_that_cannot_be_read_is_refused_with_a_message(maria):
    response = upload(maria, content="%PDF-1.7 garbage", name="report.pdf")

    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not LeadImport.objects.exists()


def test_an_oversized_file_is_refused(maria, settings):
    settings.IMPORT_MAX_BYTES = 100

    response = upload(maria)

    assert response.status_code == 400
    assert "larger than" in response.text


def test_an_upload_needs_an_event(maria):
    response = upload(maria, new_event_name="")

    assert response.status_code == 400
    assert "Choose the event" in response.text


def test_a_mapping_without_email_or_phone_is_refused(maria):
    upload(maria)
    lead_import = LeadImport.objects.get()

    response = maria.post(
        reverse("imports:mapping", args=[lead_import.pk]),
        mapping_post(lead_import, column_0="", column_3=""),
    )

    assert response.status_code == 400
    assert "Map at least one column to Email or Phone" in response.text
    lead_import.refresh_from_db()
    assert lead_import.status == "mapping"


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
