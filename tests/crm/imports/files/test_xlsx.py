"""Reading an Excel workbook, and the text each cell becomes."""

import io
import re
import tracemalloc
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from crm.imports.files import cell_text, read_table
from tests.crm.imports.files.tables import (
    member,
    read_all,
    read_fixture,
    rezipped,
    shared_strings,
    with_shared_strings,
    xlsx_bytes,
)

# Excel


def test_an_excel_workbook_is_read_below_its_title_with_phones_typed_as_numbers_as_digits():
    table, rows = read_fixture("xlsx/booth-excel.xlsx")

    assert (table.header_row, table.encoding, table.encoding_detected) == (3, "", "")
    assert table.header == [
        "First Name", "Last Name", "Company", "Email", "Mobile", "Country", "Scanned on"
    ]  # fmt: skip
    assert [row.number for row in rows] == [4, 5, 6, 7, 8, 9, 10]
    assert [" ".join(row.cells[:2]) for row in rows[:4]] == [
        "Søren Ærø",
        "Begoña Muñoz",
        "Zoë Brändli",
        "Jürgen Groß",
    ]
    assert [row.cells[4] for row in rows] == [
        "4520123456",
        "34612345678",
        "+41 79 123 45 67",
        "4917612345678",
        "12125550123",
        "442079460321",
        "030 1234567",
    ]
    assert rows[3].cells[6] == "2026-03-11"


def test_a_google_sheets_export_is_read_with_its_numbers_as_digits_and_its_row_numbers():
    table, rows = read_fixture("xlsx/booth-google-sheets.xlsx")

    assert table.header_row == 1
    assert table.header[:2] == ["First Name", "Last Name"]
    assert [row.number for row in rows] == [2, 3, 4, 5, 7, 8, 9]  # row 6 is empty
    assert rows[3].cells == [
        "Jürgen",
        "Groß",
        "Straßenbau Groß GmbH",
        "jurgen.gross@strassenbau.example",
        "4917612345678",
        "Germany",
        "2026-03-11",
    ]
    assert [row.cells[4] for row in rows if row.cells[4][0].isdigit()] == [
        "4520123456",
        "34612345678",
        "4917612345678",
        "12125550123",
        "442079460321",
        "030 1234567",
    ]


def test_xlsx_phones_stored_as_numbers_are_read_as_digits_below_a_title_row():
    content = xlsx_bytes(
        ["Booth leads — Expo 2026"],
        [],
        ["Email", "Phone", "Name", "Zip"],
        ["mary@example.com", 4155552671.0, "Mary Smith", 94107],
        ["john@example.com", 4155552672, "John Doe", None],
    )

    assert read_all(content, "leads.xlsx") == (
        ["Email", "Phone", "Name", "Zip"],
        [
            (4, ["mary@example.com", "4155552671", "Mary Smith", "94107"]),
            (5, ["john@example.com", "4155552672", "John Doe", ""]),
        ],
    )


def test_xlsx_values_become_text():
    content = xlsx_bytes(
        ["Email", "Scanned", "Met at", "Follow up", "Rating", "Opted in", "Notes"],
        [
            "mary@example.com",
            datetime(2026, 3, 14),
            datetime(2026, 3, 14, 9, 30),
            date(2026, 4, 1),
            4.5,
            True,
            "  =SUM(A1:A2)  ",
        ],
    )

    assert read_all(content, "leads.xlsx")[1] == [
        (
            2,
            [
                "mary@example.com",
                "2026-03-14",
                "2026-03-14T09:30:00",
                "2026-04-01",
                "4.5",
                "yes",
                "=SUM(A1:A2)",
            ],
        )
    ]


def test_xlsx_blank_rows_are_skipped_but_counted():
    content = xlsx_bytes(
        ["Email", "Name"],
        ["mary@example.com", "Mary"],
        [None, "  "],
        ["john@example.com", "John"],
        [],
        [None, None],
    )

    assert [number for number, _cells in read_all(content, "leads.xlsx")[1]] == [2, 4]


def test_xlsx_rows_are_read_whole_when_the_sheet_understates_its_size():
    content = xlsx_bytes(["Email", "Name", "Phone"], ["mary@example.com", "Mary", "4155552671"])
    sheet = member(content, "xl/worksheets/sheet1.xml")
    sheet = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1"', sheet)

    rows = read_all(rezipped(content, {"xl/worksheets/sheet1.xml": sheet}), "leads.xlsx")[1]

    assert rows == [(2, ["mary@example.com", "Mary", "4155552671"])]


def test_xlsx_is_read_from_the_sheet_excel_opens_on():
    workbook = Workbook()
    workbook.active.append(["Not the leads"])
    leads = workbook.create_sheet("Leads")
    leads.append(["Email", "Name"])
    leads.append(["mary@example.com", "Mary"])
    workbook.active = leads
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert read_all(buffer.getvalue(), "leads.xlsx")[1] == [(2, ["mary@example.com", "Mary"])]


def test_xlsx_strings_kept_in_a_shared_strings_table_are_read():
    content = with_shared_strings(
        xlsx_bytes(["Email", "Name"], ["mary@example.com", "Mary"]),
        shared_strings("Email", "Name"),
    )

    assert read_all(content, "leads.xlsx")[0] == ["Email", "Name"]


def test_a_long_xlsx_sheet_is_read_without_loading_it_whole():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Email", "Phone", "Zip", "Score"])
    for index in range(4000):
        sheet.append([index, 4155550000.0 + index, 10000 + index, index % 5])
    buffer = io.BytesIO()
    workbook.save(buffer)

    tracemalloc.start()
    try:
        with read_table(buffer, "long.xlsx") as table:
            count = sum(1 for _row in table.rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Loaded whole (openpyxl's default mode), this sheet takes about 6.5 MB.
    assert count == 4000
    assert peak < 3 * 1024 * 1024


# Cell values


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  Mary ", "Mary"),
        (42, "42"),
        (4155552671.0, "4155552671"),
        (0.1 + 0.2, "0.3"),
        (2.50, "2.5"),
        (datetime(2026, 3, 14), "2026-03-14"),
        (datetime(2026, 3, 14, 9, 30, 5), "2026-03-14T09:30:05"),
        (date(2026, 3, 14), "2026-03-14"),
        (time(9, 30), "09:30:00"),
        (True, "yes"),
        (False, "no"),
    ],
)
def test_cell_values_become_the_text_a_manager_would_type(value, text):
    assert cell_text(value) == text
