"""Which encoding a CSV or text list is in, detected or chosen, and its names kept intact."""

import codecs
import io
import tracemalloc

import pytest

from crm.imports.files import ImportFileError, read_table
from tests.crm.imports.files.tables import read_all, read_fixture

BOOTH_HEADER = ["Email", "First Name", "Last Name", "Company", "Phone", "Country", "Notes"]
BOOTH_NAMES = [
    ("Søren", "Ærø"),
    ("Begoña", "Muñoz"),
    ("Zoë", "Brändli"),
    ("François", "Lefèvre"),
    ("Jürgen", "Groß"),
]


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
