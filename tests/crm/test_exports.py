import codecs
import csv
import html
import io
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from crm.exports import E164_NEUTRALISED, LEAD_EXPORT_COLUMNS, lead_rows, leads_xlsx, neutralise
from crm.models import Lead
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

LEAD_LIST = reverse("crm:lead_list")
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


@pytest.fixture
def staff_maria(client, manager_maria):
    manager_maria.is_staff = True
    manager_maria.save()
    client.force_login(manager_maria)
    return client


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


def preview_rows(response) -> list[tuple[str, list[str]]]:
    """(import type, cells) of each previewed row."""
    rows = re.findall(r'<tr class="(new|update|skip)">(.*?)</tr>', response.text, re.S)
    return [(kind, re.findall(r"<td>(.*?)</td>", cells, re.S)) for kind, cells in rows]


# Neutralising formulas


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert neutralise(text) == f"'{text}"


@pytest.mark.parametrize("value", ["Acme", "a=b", "", " =1", 5, -5, True, None])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


# The lead list's export


def test_the_csv_export_writes_every_column_in_readable_form(maria, rep_alice):
    lead = LeadFactory(
        name_prefix="Dr.",
        first_name="Zoë",
        last_name="Ørsted",
        name_suffix="PhD",
        email="zoe@example.org",
        other_contacts="+4930123456 zoe@home.example",
        phone="+14155552671",
        phone_ext="12",
        company="Café Crème",
        title="CTO",
        address_line1="1 Main St",
        address_line2="Suite 2",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
        time_zone="America/Chicago",
        stage=Lead.Stage.QUALIFIED,
        score=42,
        owner=rep_alice,
        source_campaign=CampaignFactory(name="Expo Zürich"),
        email_consent=Lead.EmailConsent.CONFIRMED,
        do_not_call=True,
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_activity_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=ZoneInfo("Europe/Berlin")),
    )

    [row] = export(maria, "csv")

    assert row == {
        "ID": str(lead.pk),
        "Name prefix": "Dr.",
        "First name": "Zoë",
        "Last name": "Ørsted",
        "Name suffix": "PhD",
        "Other emails and phones": "'+4930123456 zoe@home.example",
        "Email": "zoe@example.org",
        "Phone": "'+14155552671",  # E.164 starts with "+", so it is neutralised too
        "Phone extension": "12",
        "Company": "Café Crème",
        "Title": "CTO",
        "Address line 1": "1 Main St",
        "Address line 2": "Suite 2",
        "City": "Springfield",
        "Region": "IL",
        "Postal code": "62701",
        "Country": "US",
        "Time zone": "America/Chicago",
        "Stage": "qualified",
        "Score": "42",
        "Owner": "alice",
        "Source campaign": "Expo Zürich",
        "Email consent": "confirmed",
        "Do not call": "True",
        "Do not mail": "False",
        "Created at": "2025-01-02T03:04:05Z",
        "Last activity at": "2025-03-04T04:06:07Z",
    }


def test_the_csv_export_is_an_attachment_named_by_date_with_a_bom(maria):
    LeadFactory(company="Société Générale")

    response = maria.get(EXPORT_URLS["csv"])
    content = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    assert content.startswith(codecs.BOM_UTF8)
    assert "Société Générale" in content.decode("utf-8-sig")


def test_the_xlsx_export_is_a_workbook_named_by_date(maria):
    LeadFactory(company="Société Générale", score=7, do_not_mail=True)

    response = maria.get(EXPORT_URLS["xlsx"])
    [row] = read_xlsx(b"".join(response.streaming_content))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert re.fullmatch(
        r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.xlsx"', response["Content-Disposition"]
    )
    assert (row["Company"], row["Score"], row["Do not mail"]) == ("Société Générale", 7, True)


@both_formats
def test_a_reps_export_holds_only_their_own_leads(alice, rep_alice, rep_bob, fmt):
    LeadFactory(owner=rep_alice, email="mine@example.org")
    LeadFactory(owner=rep_bob, email="bobs@example.org")
    LeadFactory(owner=None, email="nobodys@example.org")

    assert emails(export(alice, fmt)) == ["mine@example.org"]
    assert emails(export(alice, fmt, {"q": "bobs"})) == []


@both_formats
def test_the_export_honours_the_stage_and_search_filters(maria, fmt):
    LeadFactory(email="working.acme@example.org", company="Acme", stage=Lead.Stage.WORKING)
    LeadFactory(email="new.acme@example.org", company="Acme", stage=Lead.Stage.NEW)
    LeadFactory(email="working.other@example.org", company="Other", stage=Lead.Stage.WORKING)

    rows = export(maria, fmt, {"stage": "working", "q": "acme"})

    assert emails(rows) == ["working.acme@example.org"]


@both_formats
def test_the_export_holds_every_page_in_the_lists_order(maria, fmt):
    for i in range(60):
        LeadFactory(last_name=f"Name{59 - i:02}", email=f"p{i}@example.org")

    rows = export(maria, fmt, {"sort": "name", "after": "5"})

    assert [row["Last name"] for row in rows] == [f"Name{i:02}" for i in range(60)]


@both_formats
def test_formula_cells_are_neutralised_in_the_export(maria, fmt):
    LeadFactory(**FORMULAS)

    [row] = export(maria, fmt)

    for field, text in FORMULAS.items():
        expected = f"'{text}"
        if fmt == "xlsx":  # XML reads a carriage return back as a newline
            expected = expected.replace("\r", "\n")
        assert row[LEAD_EXPORT_COLUMNS[field]] == expected, field


def test_control_characters_are_dropped_before_neutralising(maria):
    LeadFactory(company="\x01=1+1", title="Bell\x07")

    [row] = export(maria, "xlsx")

    assert (row["Company"], row["Title"]) == ("'=1+1", "Bell")


NASTY = {
    "first_name": "=1+1",
    "last_name": "Ørsted-Østergård 東京 🎉",
    "phone": "+14155552671",
    "company": "\x01=cmd|' /C calc'!A0",
    "title": "",
    "address_line1": "  <b>Tom & Jerry's</b>  ",
    "address_line2": "line one\nline two\ttabbed",
    "city": "@SUM(A1)",
    "other_contacts": "+4930123456 " + "long-text " * 5_000,
}


def openpyxl_workbook(rows) -> bytes:
    """The rows as the export wrote them before it streamed (openpyxl's write-only
    workbook, saved to a file only then sent): the reference for the streamed one."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    heading = [WriteOnlyCell(sheet, value=text) for text in next(rows)]
    for cell in heading:
        cell.font = Font(bold=True)
    sheet.append(heading)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) and E164_NEUTRALISED.fullmatch(value):
                value = WriteOnlyCell(sheet, value=value[1:])
                value.quotePrefix = True
            cells.append(value)
        sheet.append(cells)
    file = io.BytesIO()
    workbook.save(file)
    return file.getvalue()


def sheet_cells(content: bytes) -> list[list[tuple]]:
    """Each cell as a reader sees it: value, type (none for an empty cell: openpyxl
    writes one as empty text, the stream leaves it out), bold, quote prefix."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [
        [
            (cell.value, cell.value is not None and cell.data_type, cell.font.b, cell.quotePrefix)
            for cell in row
        ]
        for row in sheet.iter_rows()
    ]


def test_the_streamed_xlsx_holds_the_cells_openpyxl_wrote_before(rep_alice):
    LeadFactory(**NASTY, owner=rep_alice, source_campaign=CampaignFactory(name="=Expo"))
    LeadFactory(phone="+390280323411", do_not_call=True, score=-3, owner=None)
    LeadFactory(first_name="", last_name="", company="", country="", time_zone="")
    leads = Lead.objects.order_by("pk")

    streamed = b"".join(leads_xlsx(leads))

    assert zipfile.ZipFile(io.BytesIO(streamed)).testzip() is None
    assert sheet_cells(streamed) == sheet_cells(openpyxl_workbook(lead_rows(leads)))


def test_the_xlsx_download_starts_before_the_leads_are_read(maria):
    LeadFactory.create_batch(3)

    response = maria.get(EXPORT_URLS["xlsx"])
    content = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_first_piece:
        first = next(content)
    with CaptureQueriesContext(connection) as after_it:
        rest = b"".join(content)

    assert isinstance(response, StreamingHttpResponse)
    assert first.startswith(b"PK\x03\x04")
    read_leads = [query for query in after_it if '"crm_lead"' in query["sql"]]
    assert len(read_leads) == 1
    assert all('"crm_lead"' not in query["sql"] for query in before_first_piece)
    assert len(read_xlsx(first + rest)) == 3


@both_formats
def test_an_invalid_filter_answers_400(maria, fmt):
    response = maria.get(EXPORT_URLS[fmt], {"stage": "bogus"})

    assert response.status_code == 400


@both_formats
def test_an_anonymous_visitor_is_sent_to_login(client, fmt):
    response = client.get(EXPORT_URLS[fmt])

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={EXPORT_URLS[fmt]}"


@both_formats
def test_the_mailroom_gets_only_the_heading_row(client, mailroom_max, fmt):
    LeadFactory()

    client.force_login(mailroom_max)
    assert export(client, fmt) == []


@both_formats
def test_the_export_runs_a_bounded_number_of_queries(
    maria, rep_alice, django_assert_max_num_queries, fmt
):
    campaign = CampaignFactory(name="Expo")
    LeadFactory.create_batch(200, owner=rep_alice, source_campaign=campaign)

    # session, user, roles, the leads (owners and campaigns joined)
    with django_assert_max_num_queries(4):
        rows = export(maria, fmt, {"country": "US"})

    assert len(rows) == 200
    assert {(row["Owner"], row["Source campaign"]) for row in rows} == {("alice", "Expo")}


def export_links(text: str) -> dict[str, dict[str, list[str]]]:
    links = re.findall(r'<a class="button" href="(/leads/export\.(\w+)[^"]*)">', text)
    return {fmt: parse_qs(urlsplit(html.unescape(url)).query) for url, fmt in links}


def test_the_list_page_links_to_exports_of_the_current_filters(maria):
    response = maria.get(LEAD_LIST, {"stage": "working", "q": "acme", "after": "12"})

    assert export_links(response.text) == {
        "csv": {"stage": ["working"], "q": ["acme"]},
        "xlsx": {"stage": ["working"], "q": ["acme"]},
    }


def test_filtering_with_htmx_updates_the_export_links(maria):
    response = maria.get(LEAD_LIST, {"stage": "new"}, headers={"HX-Request": "true"})

    assert 'id="lead-export" class="export-links" hx-swap-oob="true"' in response.text
    assert export_links(response.text)["csv"] == {"stage": ["new"]}


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
