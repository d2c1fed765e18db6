"""Lead exports: one list of columns for CSV, XLSX and the admin, every cell made safe.

A cell a spreadsheet would run as a formula is neutralised (OWASP "CSV injection"):
every export in the project, the admin's included, writes its cells through
export_value.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crm import xlsx
from crm.models import Lead

# ORM lookup -> column heading, in file order.
LEAD_EXPORT_COLUMNS = {
    "id": "ID",
    "name_prefix": "Name prefix",
    "first_name": "First name",
    "last_name": "Last name",
    "name_suffix": "Name suffix",
    "email": "Email",
    "phone": "Phone",
    "phone_ext": "Phone extension",
    "other_contacts": "Other emails and phones",
    "company": "Company",
    "title": "Title",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country",
    "time_zone": "Time zone",
    "stage": "Stage",
    "score": "Score",
    "owner__username": "Owner",
    "source_campaign__name": "Source campaign",
    "email_consent": "Email consent",
    "do_not_call": "Do not call",
    "do_not_mail": "Do not mail",
    "created_at": "Created at",
    "last_activity_at": "Last activity at",
}

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A neutralised E.164 phone (the digits after "+" can't start with 0).
#
# In CSV it keeps its quote: a bare +390280323411 is safe (a formula that is just
# a number) but a spreadsheet opens it as the number 390280323411, shown as
# 3.9028E+11, and saves it back so, its digits lost; "'+390280323411" opens as
# text and comes back whole. Our imports take the quote off again (unneutralise),
# so an exported phone imports as the same phone.
E164_NEUTRALISED = re.compile(r"'\+[1-9]\d{6,14}")
EXPORT_CHUNK_SIZE = 2000
CSV_BUFFER_SIZE = 64 * 1024


def neutralise(value: Any) -> Any:
    """A string a spreadsheet would run as a formula, prefixed with a quote so it shows
    as text; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


def unneutralise(value: Any) -> Any:
    """A cell from one of our exports as it was before neutralise, for importing it back."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def export_value(value: Any) -> Any:
    """A database value as every export writes it: datetimes in ISO 8601 UTC, None as
    empty, control characters no spreadsheet can hold dropped, then neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str):
        # Before neutralising: "\x01=1+1" must not become "=1+1" after the check.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def lead_rows(leads: QuerySet[Lead]) -> Iterator[list[Any]]:
    """The heading row, then one row per lead, read from the database in chunks."""
    yield list(LEAD_EXPORT_COLUMNS.values())
    rows = leads.values_list(*LEAD_EXPORT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    for values in rows:
        yield [export_value(value) for value in values]


def leads_csv(leads: QuerySet[Lead]) -> Iterator[str]:
    """The leads as CSV text in pieces of about 64 KB, starting with a byte order mark
    so that Excel reads the file as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in lead_rows(leads):
        writer.writerow(row)
        if buffer.tell() >= CSV_BUFFER_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def leads_xlsx(leads: QuerySet[Lead]) -> Iterator[bytes]:
    """The leads as an XLSX workbook in pieces of bytes, the first before the
    database is asked anything, the rest as the rows are read in chunks: the
    download starts at once, and memory stays flat however many leads there are."""
    rows = lead_rows(leads)
    heading = next(rows)
    return xlsx.workbook_stream(heading, (map(_xlsx_cell, row) for row in rows), sheet="Leads")


def _xlsx_cell(value: Any) -> Any:
    """A phone as a text cell with Excel's quote prefix rather than a quote in its
    text: it reads "+14155552671" as written (and back into an import the same),
    and stays text, not a formula or a number, even when someone edits the cell.
    Other neutralised cells keep their visible quote, as the CSV has it."""
    if isinstance(value, str) and E164_NEUTRALISED.fullmatch(value):
        return xlsx.QuotePrefixed(value[1:])
    return value
