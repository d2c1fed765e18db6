"""A person's rows in the booth lists that brought them in: read for an export,
and cut out of the stored file for an erasure (the rest of the list stays, so
the import's report and undo still work for everyone else).

A stored file is a CSV text or an .xlsx workbook (crm.imports.files). A row
that names the person (crm.privacy.subject) goes; a file that cannot be read
any more is emptied rather than kept with the person in it."""

import codecs
import io
import re

from django.db.models import Q, QuerySet
from openpyxl import load_workbook

from crm.imports.encodings import codec_for
from crm.imports.files import ZIP_MAGIC, ImportFileError, cell_text, read_table
from crm.models import LeadImport
from crm.privacy.subject import Subject

REPORT_FIELDS = ("samples", "conflict_rows", "errors", "warning_rows", "undo_report")


def imports_of(lead_id: int) -> QuerySet[LeadImport]:
    """The imports that recorded something of the lead: a booth visit, another
    email or phone."""
    return LeadImport.objects.filter(
        Q(interactions__lead_id=lead_id) | Q(contact_points__lead_id=lead_id)
    ).distinct()


def rows_about(lead_import: LeadImport, subject: Subject) -> dict:
    """The header and the rows of the stored file that name the person."""
    try:
        with read_table(
            io.BytesIO(bytes(lead_import.content)),
            lead_import.filename,
            encoding=lead_import.encoding,
        ) as table:
            rows = [
                {"row": row.number, "cells": dict(zip(table.header, row.cells, strict=False))}
                for row in table.rows
                if subject.mentioned_in(" ".join(row.cells))
            ]
    except ImportFileError:
        return {"header": [], "rows": []}
    return {"header": table.header, "rows": rows}


def reports_about(lead_import: LeadImport, subject: Subject) -> dict:
    """The entries of the import's report (previews, conflicts, errors, warnings)
    that name the person."""
    found = {}
    for field in REPORT_FIELDS:
        value = getattr(lead_import, field)
        entries = value if isinstance(value, list) else list(value.values())
        flat = [e for entry in entries for e in (entry if isinstance(entry, list) else [entry])]
        mentions = [entry for entry in flat if subject.mentioned_in_value(entry)]
        if mentions:
            found[field] = mentions
    return found


def content_without(lead_import: LeadImport, subject: Subject) -> bytes:
    """The stored file without the rows that name the person."""
    content = bytes(lead_import.content)
    if not content:
        return content
    try:
        if content.startswith(ZIP_MAGIC):
            return _workbook_without(content, subject)
        return _text_without(content, lead_import.encoding or "utf-8", subject)
    except Exception:  # an unreadable file is emptied: it must not keep the person
        return b""


def _text_without(content: bytes, encoding: str, subject: Subject) -> bytes:
    codec = codec_for(encoding, content[:8192])
    lines = content.decode(codec).splitlines(keepends=True)
    kept = "".join(line for line in lines if not subject.mentioned_in(_as_words(line)))
    if codec == "utf-8-sig" and not content.startswith(codecs.BOM_UTF8):
        codec = "utf-8"  # written back as it came, without a byte order mark
    return kept.encode(codec)


def _as_words(line: str) -> str:
    """A CSV line with its cells apart, as a sheet shows them: "Ann,Lee" names Ann Lee."""
    return " ".join(re.split(r'[,;\t|"]+', line))


def _workbook_without(content: bytes, subject: Subject) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        for number in range(len(rows), 0, -1):
            if subject.mentioned_in(" ".join(cell_text(cell) for cell in rows[number - 1])):
                sheet.delete_rows(number)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
