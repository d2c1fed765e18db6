"""A one-sheet XLSX workbook written as a stream of bytes, row by row, for a download
that starts at once and holds the same memory at any number of rows.

An XLSX file is a zip of XML parts. The fixed parts (content types, relationships,
workbook, styles) go out first, before a single row is read; then the sheet, its
XML made row after row as the rows arrive, deflated and handed on in pieces. The
zip goes to a sink that cannot seek, so zipfile writes each part's size and CRC in
a data descriptor after the part instead of going back to its header: the zip
format's own way for a writer that cannot seek, the one streaming zip writers
use and LibreOffice's own documents have.

Strings are inline (t="inlineStr"), as openpyxl's write-only mode writes them: a
shared strings table would have to be held until the last row.
"""

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

# Rows of XML gathered before they go to the compressor, and so about the size of
# the pieces handed on (before deflating).
FLUSH_CHARS = 64 * 1024

# Excel's limit: longer text is cut, as openpyxl cuts it.
MAX_TEXT = 32_767

# zlib's fastest level: deflating at its default (6) took more time than making
# the sheet's XML, for a file only about 12% smaller.
COMPRESS_LEVEL = 1

# Cell styles, by their index in STYLES' cellXfs.
PLAIN, BOLD, QUOTE_PREFIX = 0, 1, 2

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    f'{XML}<Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{TYPES}.styles+xml"/>'
    "</Types>"
)
PACKAGE_RELATIONSHIPS = (
    f'{XML}<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELATIONSHIPS = (
    f'{XML}<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Excel's default font; a bold one for the heading; cellXfs in the order of
# PLAIN, BOLD, QUOTE_PREFIX.
STYLES = (
    f'{XML}<styleSheet xmlns="{MAIN}">'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = f'{XML}<worksheet xmlns="{MAIN}"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


class QuotePrefixed(str):
    """Text shown as written and kept text by Excel even when someone edits the cell
    (the style's quotePrefix), e.g. "+14155552671", which would become a number."""


def workbook_stream(
    heading: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str
) -> Iterator[bytes]:
    """The workbook's bytes: a sheet named `sheet` with `heading` in bold, then `rows`.

    Cells are text (str, cut at MAX_TEXT characters; QuotePrefixed with that
    style), numbers (int, float, Decimal), booleans, or None and "" for an empty
    cell. The first piece comes before the first row is taken from `rows`, every
    later one as rows arrive.
    """
    sink = _Sink()
    with zipfile.ZipFile(
        sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    ) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("xl/workbook.xml", _workbook(sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONSHIPS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(SHEET_START.encode())
            yield sink.take()
            for xml in _sheet_rows(heading, rows):
                part.write(xml.encode())
                if piece := sink.take():
                    yield piece
            part.write(SHEET_END.encode())
    yield sink.take()


def _workbook(sheet: str) -> str:
    return (
        f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
        f'<sheet name="{_escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _sheet_rows(heading: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The sheetData's rows as XML, in pieces of about FLUSH_CHARS characters."""
    columns = [get_column_letter(number) for number in range(1, len(heading) + 1)]
    pending = [_row(1, columns, heading, BOLD)]
    size = len(pending[0])
    for number, row in enumerate(rows, start=2):
        xml = _row(number, columns, row, PLAIN)
        pending.append(xml)
        size += len(xml)
        if size >= FLUSH_CHARS:
            yield "".join(pending)
            pending, size = [], 0
    yield "".join(pending)


def _row(number: int, columns: list[str], values: Sequence[Any], style: int) -> str:
    """One row's XML; an empty cell is left out, as if never written. The usual
    types are told apart by type() first: this runs for every cell."""
    styled = f' s="{style}"' if style else ""
    cells = [f'<row r="{number}">']
    for column, value in zip(columns, values, strict=True):
        kind = type(value)
        if kind is str:
            if value:
                cells.append(f'<c r="{column}{number}"{styled} t="inlineStr">{_text(value)}</c>')
        elif kind is int or kind is float or kind is Decimal:
            cells.append(f'<c r="{column}{number}"{styled} t="n"><v>{value}</v></c>')
        elif value is not None and value != "":
            cells.append(f'<c r="{column}{number}"{_other(value, styled)}</c>')
    cells.append("</row>")
    return "".join(cells)


def _other(value: Any, styled: str) -> str:
    """A cell's attributes after its reference, and its content, for the rarer values."""
    if isinstance(value, QuotePrefixed):
        return f' s="{QUOTE_PREFIX}" t="inlineStr">{_text(value)}'
    if isinstance(value, bool):
        return f'{styled} t="b"><v>{int(value)}</v>'
    if isinstance(value, str):
        return f'{styled} t="inlineStr">{_text(value)}'
    if isinstance(value, int | float | Decimal):
        return f'{styled} t="n"><v>{value}</v>'
    raise TypeError(f"An XLSX cell can't hold a {type(value).__name__}: {value!r}")


def _text(value: str) -> str:
    text = value[:MAX_TEXT]
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Without it, XML readers drop the text's leading and trailing spaces.
    if text[0].isspace() or text[-1].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def _escape(text: str) -> str:
    """Text for an attribute's value, in double quotes."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class _Sink:
    """Where the zip is written: bytes kept until taken. It has no tell() or seek(),
    which tells zipfile to write data descriptors rather than seek back."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._pieces)
        self._pieces.clear()
        return data
