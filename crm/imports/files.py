"""Reading an uploaded lead list, CSV or Excel (.xlsx), into rows of text.

Uploads come from anyone, so everything is bounded before or while it is read:
the file's size, a workbook's unpacked size and XML, the number of rows. Rows
are generated lazily, so memory stays flat however long the list is. A CSV
file's text encoding is detected (crm.imports.encodings), or given.
"""

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import BinaryIO

from defusedxml import DefusedXmlException
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from crm.exports import unneutralise
from crm.imports.encodings import (
    UnknownEncoding,
    codec_for,
    detect_encoding,
    supported_encoding,
    utf16_byte_order,
)
from crm.imports.headings import looks_like_header

HEADER_SEARCH_ROWS = 30
MIB = 1024 * 1024
HEAD_BYTES = 8 * 1024
SNIFF_CHARS = 64 * 1024
DELIMITERS = ",;\t"
EXCEL_SEP_LINE = re.compile(r"sep=([^\"\r\n])(\r\n|\r|\n)")
# Deflate packs real sheets 5 to 30 times; a large member packed far tighter is a bomb.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_BYTES = 5 * MIB

ZIP_MAGIC = b"PK\x03\x04"
# Legacy .xls, and also every password-protected .xlsx, are OLE2 compound files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC = b"%PDF"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})

EMPTY_FILE = "The file is empty."
OLD_EXCEL = (
    "This is an old-style Excel file (.xls) or a password-protected workbook. Open it in "
    "Excel and save it, without a password, as an Excel workbook (.xlsx) or CSV."
)
PDF = "This is a PDF, which cannot be imported. Export the list as CSV or Excel (.xlsx)."
NOT_A_TABLE = (
    "This file is neither a CSV file nor an Excel workbook (.xlsx). "
    "Save the list as CSV or .xlsx and import that."
)
MARKUP = (
    "This file is a web page or XML, not a CSV file or an Excel workbook (.xlsx), whatever "
    "its name says. Open it in Excel and save it as .xlsx or CSV."
)
NAMED_XLSX_BUT_IS_NOT = (
    "This file is named as an Excel workbook but is not one; it may be damaged. "
    "Open it in Excel and save it again, or export the list as CSV."
)
DAMAGED_WORKBOOK = (
    "This file could not be read as an Excel workbook (.xlsx): it may be damaged or be "
    "another kind of zip file. Open it in Excel and save it again, or export the list as CSV."
)
ZIP_BOMB = (
    "This workbook is packed suspiciously tightly (a small file that unpacks to a huge one), "
    "so it was refused. Save the list again from Excel, or export it as CSV."
)
UNSAFE_XML = (
    "This workbook contains XML entity declarations, which are refused for safety. "
    "Open it in Excel and save it again as .xlsx, or export the list as CSV."
)
NO_WORKSHEET = "This workbook has no worksheet."
NO_HEADER = (
    f"No header row found in the first {HEADER_SEARCH_ROWS} rows: "
    "a row with column names such as Email, Phone, Name."
)


class ImportFileError(Exception):
    """The file cannot be read; the message says why, in words for a manager."""


@dataclass(frozen=True)
class Row:
    """One data row of the list.

    `number` is the row's own number in the spreadsheet, the one a manager sees
    at its left when the file is opened in Excel: title rows above the header,
    the header and blank rows all count. In a CSV file a row is a record, as a
    spreadsheet shows it: a quoted cell spanning several lines does not add
    rows, and Excel's "sep=;" line, which Excel hides, is not one.

    `cells` holds exactly one text per header column: short rows are padded with "",
    and cells to the right of the last heading are dropped, since no column name
    says what they are.
    """

    number: int
    cells: list[str]


@dataclass
class Table:
    header: list[str]  # the header row's cells, stripped, without trailing empty cells
    rows: Iterator[Row]  # data rows, read lazily; blank rows are skipped
    header_row: int = 1  # the header's row number in the spreadsheet
    encoding: str = ""  # the encoding a CSV file was read in (crm.imports.encodings)
    encoding_detected: str = ""  # the encoding a CSV file seems to be in


@contextmanager
def read_table(data: BinaryIO, filename: str, *, encoding: str = "") -> Iterator[Table]:
    """The header and rows of an uploaded CSV or .xlsx file.

    The format comes from the content (an .xlsx file is a zip), the name only
    sharpening the error for a file that is neither. A CSV file is read in
    `encoding` when one is given (any spelling of a supported one), else in the
    encoding detected. Format, size, encoding and header errors raise
    ImportFileError on entering the block; a damaged or unsafe part of a workbook,
    or too many rows, raise it while rows are read. Read the rows inside the block:
    leaving it closes the file's reader. `data` is left open.
    """
    source = _open(data, PurePath(filename).suffix.lower(), encoding)
    try:
        numbered = enumerate(source.rows, start=1)
        header_number, header = _find_header(numbered)
        yield Table(
            header=header,
            rows=_data_rows(numbered, len(header)),
            header_row=header_number,
            encoding=source.encoding,
            encoding_detected=source.encoding_detected,
        )
    finally:
        source.rows.close()


def cell_text(value: object) -> str:
    """A cell value as the text a manager would type (without the quote our exports
    put before a formula or a "+" number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # Excel stores phone numbers typed without a + as numbers: 4155552671.0
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime) and value.time() == time(0):
        # Excel has no date-only type: a date cell comes back as midnight.
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return unneutralise(str(value).strip())


@dataclass
class _Source:
    rows: Generator[list[str], None, None]  # every row of the sheet, blank ones too
    encoding: str = ""
    encoding_detected: str = ""


def _open(data: BinaryIO, extension: str, encoding: str) -> _Source:
    _check_size(data)
    head = data.read(HEAD_BYTES)
    data.seek(0)
    if head.startswith(ZIP_MAGIC):
        return _Source(_xlsx_rows(data))
    _refuse_unless_text(head, extension)
    detected = detect_encoding(data, head)
    try:
        chosen = supported_encoding(encoding) if encoding else detected
    except UnknownEncoding as exc:
        raise ImportFileError(str(exc)) from exc
    return _Source(_csv_rows(data, codec_for(chosen, head)), chosen, detected)


def _find_header(numbered: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    scanned = 0
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        if looks_like_header(cells):
            return number, _without_trailing_blanks(cells)
        scanned += 1
        if scanned == HEADER_SEARCH_ROWS:
            break
    raise ImportFileError(NO_HEADER)


def _data_rows(numbered: Iterator[tuple[int, list[str]]], width: int) -> Iterator[Row]:
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    for number, cells in numbered:
        fitted = cells[:width] + [""] * (width - len(cells))
        if _is_blank(fitted):
            continue
        count += 1
        if count > limit:
            raise ImportFileError(
                f"The file has more than {limit:,} rows; split it into files of at most "
                f"{limit:,} rows."
            )
        yield Row(number=number, cells=fitted)


def _is_blank(cells: list[str]) -> bool:
    return not any(cells)


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _check_size(data: BinaryIO) -> None:
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            f"The file is {_megabytes(size)}; files up to {_megabytes(limit)} can be "
            "imported. Split the list into smaller files."
        )
    if size == 0:
        raise ImportFileError(EMPTY_FILE)


def _megabytes(size: int) -> str:
    return f"{max(round(size / MIB, 1), 0.1):g} MB"


def _refuse_unless_text(head: bytes, extension: str) -> None:
    if head.startswith(OLE2_MAGIC):
        raise ImportFileError(OLD_EXCEL)
    if head.startswith(PDF_MAGIC):
        raise ImportFileError(PDF)
    if extension in XLSX_EXTENSIONS:
        raise ImportFileError(NAMED_XLSX_BUT_IS_NOT)
    if head.startswith(UTF16_BOMS) or utf16_byte_order(head):
        return
    if b"\x00" in head:
        raise ImportFileError(NOT_A_TABLE)
    # Some platforms export an HTML table or Excel 2003 XML and name it .xls or .csv.
    if head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        raise ImportFileError(MARKUP)


def _csv_rows(data: BinaryIO, codec: str) -> Generator[list[str], None, None]:
    # A byte the encoding has no character for becomes U+FFFD, rather than an error:
    # a detected encoding has none, and in one the manager chose, the first values
    # on the mapping page show it.
    text = io.TextIOWrapper(data, encoding=codec, errors="replace", newline="")
    try:
        sample = text.read(SNIFF_CHARS)
        delimiter = _sniff_delimiter(sample)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        if EXCEL_SEP_LINE.match(sample):
            next(reader)  # Excel hides it: not a row of the sheet
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"The file could not be read near line {reader.line_num}: {exc}."
                ) from exc
            # Our own exports quote what a spreadsheet would run ("'+14155552671"):
            # read back, the cell is what was exported, a phone the same phone.
            yield [unneutralise(cell.strip()) for cell in record]
    finally:
        # Hand the caller's file back open: a wrapper closes its buffer when collected.
        text.detach()


def _sniff_delimiter(sample: str) -> str:
    # Excel honours a first line "sep=;" naming the delimiter, so we do too.
    excel_hint = EXCEL_SEP_LINE.match(sample)
    if excel_hint:
        return excel_hint[1]
    # csv.Sniffer splits lines at \n only; Excel for Mac ends them with a bare \r.
    sample = sample.replace("\r\n", "\n").replace("\r", "\n")
    # A line cut off by the sample's end would look inconsistent.
    if len(sample) == SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return _most_consistent_delimiter(sample)


def _most_consistent_delimiter(sample: str) -> str:
    """The delimiter that splits most rows into the same number (> 1) of cells.

    Unlike csv.Sniffer it parses quotes, and a title line above the header costs
    one row rather than the verdict.
    """

    def consistency(delimiter: str) -> tuple[int, int]:
        rows = csv.reader(io.StringIO(sample), delimiter=delimiter)
        widths = Counter(len(row) for row in rows if any(cell.strip() for cell in row))
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        return (count, width) if width > 1 else (0, 0)

    return max(DELIMITERS, key=consistency)


def _xlsx_rows(data: BinaryIO) -> Iterator[list[str]]:
    _check_archive(data)
    with _unreadable_workbook_refused():
        workbook = load_workbook(data, read_only=True, data_only=True, keep_links=False)
    try:
        yield from _sheet_rows(_first_worksheet(workbook))
    finally:
        workbook.close()


def _check_archive(data: BinaryIO) -> None:
    """Refuse a zip bomb by the sizes its directory declares; Python's zipfile never
    unpacks a member beyond its declared size."""
    with _unreadable_workbook_refused(), zipfile.ZipFile(data) as archive:
        members = archive.infolist()
    data.seek(0)
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise ImportFileError(
            f"This workbook unpacks to more than {_megabytes(limit)}, far more than a lead "
            "list needs. Save only the sheet with the leads, or export it as CSV."
        )
    if any(_is_packed_too_tightly(member) for member in members):
        raise ImportFileError(ZIP_BOMB)


def _is_packed_too_tightly(member: zipfile.ZipInfo) -> bool:
    return (
        member.file_size > RATIO_CHECK_MIN_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * member.compress_size
    )


@contextmanager
def _unreadable_workbook_refused() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        # zipfile and openpyxl raise errors of many kinds on a malformed file, and
        # openpyxl wraps defusedxml's refusals in a ValueError of its own.
        message = UNSAFE_XML if _caused_by_unsafe_xml(exc) else DAMAGED_WORKBOOK
        raise ImportFileError(message) from exc


def _caused_by_unsafe_xml(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _first_worksheet(workbook: Workbook):
    """The sheet Excel opens on, unless that is a chart; then the first worksheet."""
    if workbook.active in workbook.worksheets:
        return workbook.active
    if workbook.worksheets:
        return workbook.worksheets[0]
    raise ImportFileError(NO_WORKSHEET)


def _sheet_rows(sheet) -> Iterator[list[str]]:
    # Read-only mode trusts the size a sheet declares, which some programs get wrong
    # (cutting rows short); without it, each row is read as long as it really is.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    while True:
        # The sheet's XML is parsed as rows are read, so its errors come here, lazily.
        with _unreadable_workbook_refused():
            values = next(rows, None)
        if values is None:
            return
        yield [cell_text(value) for value in values]
