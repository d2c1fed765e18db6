"""The streamed XLSX workbook: a valid zip that openpyxl reads back cell for cell,
written as its rows arrive."""

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from crm.xlsx import QuotePrefixed, workbook_stream

HEADING = ["ID", "Phone", "Note"]


def workbook(rows, heading=HEADING, sheet="Leads") -> bytes:
    return b"".join(workbook_stream(heading, rows, sheet=sheet))


def cells(content: bytes) -> list[list[tuple]]:
    """Each cell as (value, data type, bold, quote prefix)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [
        [(cell.value, cell.data_type, cell.font.b, cell.quotePrefix) for cell in row]
        for row in sheet.iter_rows()
    ]


class CountedRows:
    """Rows handed out one at a time, counting how many were taken."""

    def __init__(self, count: int):
        self.count = count
        self.taken = 0

    def __iter__(self):
        for number in range(self.count):
            self.taken += 1
            yield [number, QuotePrefixed("+14155552671"), f"row {number} " + "x" * 100]


def test_the_workbook_is_a_valid_zip_of_the_parts_excel_needs():
    archive = zipfile.ZipFile(io.BytesIO(workbook([[1, "+1", "a"]])))

    assert archive.testzip() is None
    assert set(archive.namelist()) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    }


def test_the_heading_is_bold_and_each_value_keeps_its_type():
    rows = [
        [7, QuotePrefixed("+14155552671"), True],
        [2.5, "'=1+1", False],
        [Decimal("3.25"), "", None],
    ]

    assert cells(workbook(rows)) == [
        [("ID", "s", True, False), ("Phone", "s", True, False), ("Note", "s", True, False)],
        [(7, "n", False, False), ("+14155552671", "s", False, True), (True, "b", False, False)],
        [(2.5, "n", False, False), ("'=1+1", "s", False, False), (False, "b", False, False)],
        [(3.25, "n", False, False), (None, "n", False, False), (None, "n", False, False)],
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<b>&amp;</b> \"quoted\" 'single'",
        "  spaces kept at both ends  ",
        "two\nlines",
        "Zoë Ørsted, 東京, Ελλάδα, 🎉",
        "x" * 32_767,
        "=1+1",  # the writer writes text as text: no formula, whatever it starts with
    ],
)
def test_text_comes_back_exactly_as_written(text):
    [_, [(value, data_type, _, _), *_]] = cells(workbook([[text, "", ""]]))

    assert (value, data_type) == (text, "s")


def test_text_longer_than_excel_holds_is_cut_at_its_limit():
    [_, [(value, _, _, _), *_]] = cells(workbook([["é" * 40_000, "", ""]]))

    assert value == "é" * 32_767


def test_the_sheet_is_named_even_with_characters_xml_escapes():
    content = workbook([], sheet='Leads & "friends"')

    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ['Leads & "friends"']


def test_a_value_no_cell_can_hold_is_refused():
    with pytest.raises(TypeError, match="can't hold a list"):
        workbook([[1, ["a"], "x"]])


def test_the_first_bytes_come_before_any_row_is_taken():
    rows = CountedRows(10)
    stream = workbook_stream(HEADING, rows, sheet="Leads")

    first = next(stream)

    assert first.startswith(b"PK\x03\x04")
    assert rows.taken == 0


def test_the_rest_comes_while_the_rows_are_still_being_read():
    rows = CountedRows(30_000)
    taken_at_each_piece = []
    pieces = []
    for piece in workbook_stream(HEADING, rows, sheet="Leads"):
        taken_at_each_piece.append(rows.taken)
        pieces.append(piece)

    during = [taken for taken in taken_at_each_piece if 0 < taken < rows.count]
    assert len(during) > 10, "the sheet is handed on in many pieces as the rows come"
    # Each piece is at most about a flush of XML deflated: the writer holds no more.
    assert max(len(piece) for piece in pieces) < 64 * 1024
    assert len(cells(b"".join(pieces))) == 30_001
