"""Reading a file for the tests of crm.imports.files: a fixture list, bytes in
memory, a workbook made on the spot and its parts replaced."""

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

from crm.imports.files import read_table

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "imports"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def read_fixture(name: str, **options):
    path = FIXTURES / name
    with path.open("rb") as data, read_table(data, path.name, **options) as table:
        return table, list(table.rows)


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
