"""An import's file and columns, before it runs: the upload kept and its header
read, each column's field guessed (or the source's saved mapping), the
manager's mapping remembered for the source, the stored file read again in
another encoding, its first rows shown beside the mapping."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from crm.imports.columns import GUESS_SAMPLE_ROWS, MappingGuess, guess_mapping
from crm.imports.files import ImportFileError, Table, read_table
from crm.imports.headings import normalise_heading
from crm.models import Campaign, ImportMapping, LeadImport, User

Status = LeadImport.Status
ALREADY_RUNNING = "This import is already running or done."


def lead_import_create(
    *,
    upload: UploadedFile,
    campaign: Campaign,
    source: str,
    default_country: str,
    user: User | None,
) -> LeadImport:
    """Keep the file and read its header; the mapping is guessed, or the source's saved one.
    Raises ImportFileError when the file can't be read."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(too_big_message())
    content = upload.read()
    with read_table(io.BytesIO(content), upload.name) as table:
        header = table.header
        guess = mapping_guess(table.header, _first_cells(table), source)
    return LeadImport.objects.create(
        filename=upload.name,
        content=content,
        campaign=campaign,
        source=source.strip(),
        default_country=default_country or campaign.country,
        header=header,
        header_row=table.header_row,
        encoding=table.encoding,
        encoding_detected=table.encoding_detected,
        mapping=as_json_mapping(guess.mapping),
        mapping_reasons=as_json_mapping(guess.reasons),
        recognised_as=guess.recognised_as,
        created_by=user,
    )


def too_big_message() -> str:
    return f"The file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB."


def _first_cells(table: Table) -> list[list[str]]:
    """The first data rows' cells: guessing takes them as evidence."""
    return [row.cells for row in islice(table.rows, GUESS_SAMPLE_ROWS)]


def mapping_guess(header: list[str], samples: list[list[str]], source: str) -> MappingGuess:
    return guess_mapping(header, _saved_columns(source), samples=samples, source=source)


def _saved_columns(source: str) -> dict[str, str] | None:
    saved = ImportMapping.objects.filter(source=source.strip()).first() if source else None
    return saved.columns if saved else None


def as_json_mapping(mapping: dict[int, str]) -> dict[str, str]:
    return {str(index): field for index, field in mapping.items()}


def lead_import_mapping(lead_import: LeadImport) -> dict[int, str]:
    return {int(index): field for index, field in lead_import.mapping.items() if field}


def lead_import_set_encoding(*, lead_import: LeadImport, encoding: str) -> LeadImport:
    """Read the stored CSV file again in the encoding the manager chose. When its
    header reads differently, the mapping is guessed again; either way the import
    waits for its mapping (a preview read in the old encoding is stale)."""
    editable = (Status.MAPPING, Status.PREVIEWED, Status.FAILED)
    if lead_import.status not in editable:
        raise ValidationError(ALREADY_RUNNING)
    try:
        with stored_table(lead_import, encoding=encoding) as table:
            header, header_row, encoding = table.header, table.header_row, table.encoding
            samples = _first_cells(table)
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    if not encoding:
        raise ValidationError("An Excel workbook has no text encoding to choose.")
    changes = {"header": header, "header_row": header_row, "encoding": encoding}
    if header != lead_import.header:
        guess = mapping_guess(header, samples, lead_import.source)
        changes |= {
            "mapping": as_json_mapping(guess.mapping),
            "mapping_reasons": as_json_mapping(guess.reasons),
            "recognised_as": guess.recognised_as,
        }
    changes["status"] = Status.MAPPING
    # Only if no preview or import started while the file was being read.
    if not LeadImport.objects.filter(pk=lead_import.pk, status__in=editable).update(**changes):
        raise ValidationError(ALREADY_RUNNING)
    for name, value in changes.items():
        setattr(lead_import, name, value)
    return lead_import


def remember_mapping(lead_import: LeadImport, mapping: dict[int, str], user: User | None):
    columns = {
        normalise_heading(heading): mapping.get(index, "")
        for index, heading in enumerate(lead_import.header)
        if heading
    }
    ImportMapping.objects.update_or_create(
        source=lead_import.source, defaults={"columns": columns, "updated_by": user}
    )


@contextmanager
def stored_table(lead_import: LeadImport, *, encoding: str = "") -> Iterator[Table]:
    """The stored file, read in `encoding`, else in the import's own."""
    with read_table(
        io.BytesIO(bytes(lead_import.content)),
        lead_import.filename,
        encoding=encoding or lead_import.encoding,
    ) as table:
        yield table


def lead_import_first_rows(lead_import: LeadImport, count: int = 3) -> list[list[str]]:
    """A few data rows, to show beside the mapping."""
    with stored_table(lead_import) as table:
        return [row.cells for row, _ in zip(table.rows, range(count), strict=False)]
