"""The mapping page's encoding: the one detected, reading again in another, and refusals."""

import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import LeadImport
from tests.crm.imports.views.pages import FIXTURES, mapping_post, upload

pytestmark = pytest.mark.django_db


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
