"""Files refused before or while reading: too big, empty, bombs, XML entities,
no header, too many rows."""

import io
import zipfile

import pytest

from crm.imports.files import ImportFileError, read_table
from tests.crm.imports.files.tables import (
    member,
    read_all,
    rezipped,
    shared_strings,
    with_shared_strings,
    xlsx_bytes,
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
