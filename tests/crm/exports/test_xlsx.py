"""The streamed workbook: the same cells openpyxl wrote, sent before the leads are read."""

import io
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from crm.exports import E164_NEUTRALISED, lead_rows, leads_xlsx
from crm.models import Lead
from tests.crm.exports.downloads import EXPORT_URLS, read_xlsx
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


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
