import codecs
import io
import re
import tracemalloc
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm.imports.files import ImportFileError, cell_text, read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
BOOTH_HEADER = ["Email", "First Name", "Last Name", "Company", "Phone", "Country", "Notes"]
BOOTH_NAMES = [
    ("Søren", "Ærø"),
    ("Begoña", "Muñoz"),
    ("Zoë", "Brändli"),
    ("François", "Lefèvre"),
    ("Jürgen", "Groß"),
]

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
BILLION_LAUGHS = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def read_all(content: bytes, filename: str = "leads.csv") -> tuple[list[str], list[tuple]]:
    return read_file(io.BytesIO(content), filename)


def read_file(data, filename: str) -> tuple[list[str], list[tuple]]:
    with read_table(data, filename) as table:
        return table.header, [(row.number, row.cells) for row in table.rows]


def xlsx_bytes(*rows: list) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezipped(xlsx: bytes, members: dict[str, str | bytes]) -> bytes:
    """The workbook with some members replaced or added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        originals = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in (originals | members).items():
            target.writestr(name, content)
    return buffer.getvalue()


def member(xlsx: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return archive.read(name).decode()


def with_shared_strings(xlsx: bytes, shared_strings_xml: str) -> bytes:
    # openpyxl writes strings inline; Excel keeps them in a shared strings part.
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
    content_types = member(xlsx, "[Content_Types].xml").replace("</Types>", override + "</Types>")
    return rezipped(
        xlsx,
        {"[Content_Types].xml": content_types, "xl/sharedStrings.xml": shared_strings_xml},
    )


def shared_strings(*texts: str, doctype: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"{doctype}"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'
    )


# CSV


def read_fixture(name: str, **options):
    path = FIXTURES / name
    with path.open("rb") as data, read_table(data, path.name, **options) as table:
        return table, list(table.rows)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("booth-utf8.csv", "utf-8"),
        ("booth-utf8-bom.csv", "utf-8"),
        ("booth-utf16.txt", "utf-16"),
        ("booth-cp1252.csv", "cp1252"),
        ("booth-macroman.csv", "mac-roman"),
    ],
)
def test_each_encoding_excel_saves_is_detected_and_the_names_arrive_intact(name, encoding):
    table, rows = read_fixture(f"encodings/{name}")

    assert (table.encoding_detected, table.encoding) == (encoding, encoding)
    assert (table.header_row, table.header) == (3, BOOTH_HEADER)
    assert [row.number for row in rows] == [4, 5, 6, 7, 8]
    assert [(row.cells[1], row.cells[2]) for row in rows] == BOOTH_NAMES
    assert rows[1].cells[6] == "Met at booth B12\nwants pricing for 40 seats"
    assert rows[4].cells[3:7] == [
        "Straßenbau Groß GmbH",
        "0176 12345678",
        "Deutschland",
        "Budget 12.000 € \u2013 Entscheidung im Mai",
    ]


def test_a_chosen_encoding_is_read_instead_of_the_detected_one():
    table, rows = read_fixture("encodings/booth-macroman.csv", encoding="cp1252")

    assert (table.encoding, table.encoding_detected) == ("cp1252", "mac-roman")
    assert (rows[0].cells[1], rows[0].cells[2]) == ("S¿ren", "®r¿")


def test_an_encoding_is_known_by_any_of_its_names():
    table, rows = read_fixture("encodings/booth-macroman.csv", encoding="macintosh")

    assert table.encoding == "mac-roman"
    assert rows[0].cells[1] == "Søren"


def test_bytes_the_chosen_encoding_cannot_read_become_replacement_characters():
    table, rows = read_fixture("encodings/booth-cp1252.csv", encoding="UTF-8")

    assert table.encoding == "utf-8"
    assert rows[0].cells[1] == "S\ufffdren"


def test_an_encoding_we_do_not_read_is_refused():
    with pytest.raises(ImportFileError, match="“klingon” is not an encoding we read"):
        read_fixture("encodings/booth-utf8.csv", encoding="klingon")


@pytest.mark.parametrize("codec", ["utf-16-be", "utf-16-le"], ids=["big-endian", "little-endian"])
@pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
def test_utf16_is_read_in_either_byte_order_with_or_without_a_bom(codec, bom):
    text = "Email\tName\r\nsoren@example.dk\tSøren Ærø\r\n"
    mark = codecs.BOM_UTF16_BE if codec == "utf-16-be" else codecs.BOM_UTF16_LE
    content = (mark if bom else b"") + text.encode(codec)

    with read_table(io.BytesIO(content), "leads.txt") as table:
        assert table.encoding_detected == "utf-16"
        assert [row.cells for row in table.rows] == [["soren@example.dk", "Søren Ærø"]]


NAMES = [
    "Søren Ærø",
    "Begoña Muñoz",
    "Zoë Brändli",
    "François Lefèvre",
    "Jürgen Groß",
    "José García",
    "Chloé Dubois",
    "Åsa Öberg",
    "Bjørn Ødegård",
    "Ana Conceição",
    "Renée Kärkkäinen",
    "Seán O\u2019Brien",
    "MÜLLER",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("codec", "line_end", "encoding"),
    [
        ("cp1252", "\r\n", "cp1252"),
        ("mac_roman", "\r", "mac-roman"),
        ("mac_roman", "\n", "mac-roman"),
    ],
    ids=["cp1252", "mac-roman-cr", "mac-roman-lf"],
)
def test_cp1252_and_mac_roman_are_told_apart_on_a_one_person_list(name, codec, line_end, encoding):
    content = f"Email;Name{line_end}someone@example.com;{name}{line_end}".encode(codec)

    with read_table(io.BytesIO(content), "leads.csv") as table:
        assert table.encoding_detected == encoding
        assert [row.cells for row in table.rows] == [["someone@example.com", name]]


def test_cp1252_typographic_quotes_and_dashes_do_not_make_it_mac_roman():
    content = (
        "Email,Notes\r\n"
        "a@example.com,\u201cHot lead\u201d \u2013 call back\u2026\r\n"
        "b@example.com,Wants O\u2019Brien\u2019s deck\r\n"
    ).encode("cp1252")

    with read_table(io.BytesIO(content), "leads.csv") as table:
        assert table.encoding_detected == "cp1252"


def test_detecting_and_reading_a_long_single_byte_list_keeps_memory_flat():
    line = "someone@example.com;Jürgen Groß;Straßenbau GmbH;+49 176 12345678\r\n"
    content = ("Email;Name;Company;Phone\r\n" + line * 120_000).encode("cp1252")  # 8 MB
    data = io.BytesIO(content)

    tracemalloc.start()
    try:
        with read_table(data, "long.csv") as table:
            count = sum(1 for _row in table.rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (count, table.encoding_detected) == (120_000, "cp1252")
    assert peak < 4 * 1024 * 1024


def test_utf8_csv_with_bom_is_read_without_the_bom_in_the_first_heading():
    content = "Email,Name\nzoe@example.com,Zoë Müller\n".encode("utf-8-sig")

    assert read_all(content) == (["Email", "Name"], [(2, ["zoe@example.com", "Zoë Müller"])])


def test_utf8_csv_without_bom_is_read():
    content = "Email,Name,Company\nzoe@example.com,Zoë,Café Crème\n".encode()

    assert read_all(content)[1] == [(2, ["zoe@example.com", "Zoë", "Café Crème"])]


def test_cp1252_csv_is_read():
    content = "Email;Name;Notes\nm@example.com;Müller;café € cœur\nz@example.com;Zoë Šárka;\n"

    rows = read_all(content.encode("cp1252"))[1]

    assert rows == [
        (2, ["m@example.com", "Müller", "café € cœur"]),
        (3, ["z@example.com", "Zoë Šárka", ""]),
    ]


def test_a_csv_that_is_utf8_until_its_last_megabyte_is_read_as_cp1252():
    content = ("Email,Name\n" + "a@example.com,Ann\n" * 80_000 + "m@example.com,Müller\n").encode(
        "cp1252"
    )

    rows = read_all(content)[1]

    assert rows[-1] == (80_002, ["m@example.com", "Müller"])


def test_utf16_unicode_text_from_excel_is_read():
    content = "Email\tName\r\nzoe@example.com\tZoë\r\n".encode("utf-16")

    assert read_all(content, "leads.txt") == (["Email", "Name"], [(2, ["zoe@example.com", "Zoë"])])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separated_files_are_read(delimiter):
    lines = [
        ["Email", "First Name", "Last Name", "Phone"],
        ["mary@example.com", "Mary", "Smith", "+1 415 555 2671"],
        ["john@example.com", "John", "Doe", "030 1234567"],
    ]
    content = "\n".join(delimiter.join(line) for line in lines).encode()

    assert read_all(content) == (lines[0], [(2, lines[1]), (3, lines[2])])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_quoted_cells_keep_their_newlines_and_delimiters(delimiter):
    d = delimiter
    content = (
        f"Email{d}Name{d}Notes\r\n"
        f'mary@example.com{d}"Smith, Mary"{d}"Met at booth 12;\r\nwants a demo\tnext week"\r\n'
        f'john@example.com{d}John{d}"He said ""call me"""\r\n'
    ).encode()

    assert read_all(content)[1] == [
        (2, ["mary@example.com", "Smith, Mary", "Met at booth 12;\r\nwants a demo\tnext week"]),
        (3, ["john@example.com", "John", 'He said "call me"']),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_title_and_blank_line_above_the_header_are_skipped(delimiter):
    d = delimiter
    content = (
        "Expo 2026, Berlin — Leads report\n"
        "\n"
        f"Email{d}Name{d}Phone\n"
        f"mary@example.com{d}Mary Smith{d}+1 415 555 2671\n"
        f"john@example.com{d}John Doe{d}\n"
    ).encode()

    header, rows = read_all(content)

    assert header == ["Email", "Name", "Phone"]
    assert [number for number, _cells in rows] == [4, 5]


def test_blank_rows_are_skipped_but_still_counted_and_trailing_ones_ignored():
    content = b"Email,Name\nmary@example.com,Mary\n\n , \njohn@example.com,John\n\n,\n\n"

    assert read_all(content)[1] == [
        (2, ["mary@example.com", "Mary"]),
        (5, ["john@example.com", "John"]),
    ]


def test_a_quoted_cell_spanning_lines_counts_as_one_row():
    content = b'Email,Notes\nmary@example.com,"one\ntwo\nthree"\njohn@example.com,\n'

    assert [number for number, _cells in read_all(content)[1]] == [2, 3]


def test_cells_are_stripped_padded_to_the_header_and_cut_beyond_it():
    content = b"Email,Name,Phone,,\n  mary@example.com , Mary \njohn@example.com,John,123,extra\n"

    assert read_all(content) == (
        ["Email", "Name", "Phone"],
        [(2, ["mary@example.com", "Mary", ""]), (3, ["john@example.com", "John", "123"])],
    )


def test_formulas_in_a_csv_stay_text():
    content = b'Email,Notes\nmary@example.com,"=HYPERLINK(""http://evil.example"",""x"")"\n'

    assert read_all(content)[1] == [
        (2, ["mary@example.com", '=HYPERLINK("http://evil.example","x")'])
    ]


def test_an_excel_sep_line_names_the_delimiter():
    content = b"sep=;\nEmail;Name\nmary@example.com;Smith, Mary\n"

    assert read_all(content) == (["Email", "Name"], [(2, ["mary@example.com", "Smith, Mary"])])


def test_a_one_column_list_of_emails_is_read():
    content = b"Email\nmary@example.com\njohn@example.com\n"

    assert read_all(content) == (["Email"], [(2, ["mary@example.com"]), (3, ["john@example.com"])])


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("leads.csv", "Email;Name\nzoe@example.com;Zoë\n".encode("cp1252")),
        ("leads.xlsx", xlsx_bytes(["Email", "Name"], ["zoe@example.com", "Zoë"])),
    ],
)
def test_a_file_on_disk_is_read_and_left_open_for_the_caller(tmp_path, filename, content):
    path = tmp_path / filename
    path.write_bytes(content)

    with path.open("rb") as data:
        assert read_file(data, path.name)[1] == [(2, ["zoe@example.com", "Zoë"])]
        assert not data.closed


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


# Refusals


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"Email\n" + b"mary@example.com\n" * 70_000

    with pytest.raises(ImportFileError, match="up to 1 MB"):
        read_all(content)


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="empty"):
        read_all(b"")


def test_a_zip_bomb_is_refused():
    bomb = rezipped(xlsx_bytes(["Email"]), {"xl/media/image1.png": bytes(20 * 1024 * 1024)})

    with pytest.raises(ImportFileError, match="suspiciously"):
        read_all(bomb, "leads.xlsx")


def test_a_workbook_unpacking_beyond_the_limit_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2000

    with pytest.raises(ImportFileError, match="unpacks to more than"):
        read_all(xlsx_bytes(["Email"], ["mary@example.com"]), "leads.xlsx")


def test_xml_entities_in_the_shared_strings_are_refused():
    content = with_shared_strings(
        xlsx_bytes(["Email", "Name"]), shared_strings("&lol9;", "Name", doctype=BILLION_LAUGHS)
    )

    with pytest.raises(ImportFileError, match="XML entity declarations"):
        read_all(content, "leads.xlsx")


def test_xml_entities_in_the_sheet_are_refused():
    content = xlsx_bytes(["Email", "Name"], ["mary@example.com", "Mary"])
    sheet = member(content, "xl/worksheets/sheet1.xml").replace("Mary", "&lol9;")
    content = rezipped(content, {"xl/worksheets/sheet1.xml": BILLION_LAUGHS + sheet})

    with pytest.raises(ImportFileError, match="XML entity declarations"):
        read_all(content, "leads.xlsx")


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "leads.pdf", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "leads.xls", r"old-style Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "leads.csv", "neither a CSV file"),
        (b"<html><table><tr><td>Email</td></tr></table></html>", "leads.xls", "web page"),
        (b"Email,Name\nmary@example.com,Mary\n", "leads.xlsx", "named as an Excel workbook"),
        (b"PK\x03\x04 not really a zip", "leads.xlsx", "could not be read as an Excel"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(content, filename, message):
    with pytest.raises(ImportFileError, match=message):
        read_all(content, filename)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("leads.csv", "Email\nmary@example.com\n")

    with pytest.raises(ImportFileError, match="could not be read as an Excel"):
        read_all(buffer.getvalue(), "leads.zip")


def test_a_file_without_a_header_in_its_first_30_rows_is_refused():
    content = b"Exported by the badge scanner\n" * 30 + b"Email,Name\nmary@example.com,Mary\n"

    with pytest.raises(ImportFileError, match="No header row found in the first 30 rows"):
        read_all(content)


def test_a_header_in_the_30th_non_blank_row_is_found():
    content = b"Exported by the badge scanner\n\n" * 29 + b"Email,Name\nmary@example.com,Mary\n"

    assert read_all(content)[1] == [(60, ["mary@example.com", "Mary"])]


def test_more_rows_than_the_limit_are_refused_while_reading(settings):
    settings.IMPORT_MAX_ROWS = 2
    content = b"Email\na@example.com\n\nb@example.com\nc@example.com\n"

    with read_table(io.BytesIO(content), "leads.csv") as table:
        assert next(table.rows).cells == ["a@example.com"]
        assert next(table.rows).cells == ["b@example.com"]
        with pytest.raises(ImportFileError, match="more than 2 rows"):
            next(table.rows)


def test_as_many_rows_as_the_limit_are_read(settings):
    settings.IMPORT_MAX_ROWS = 2

    assert len(read_all(b"Email\na@example.com\nb@example.com\n\n")[1]) == 2


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
