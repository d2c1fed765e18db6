"""Recognising the columns of an imported lead list, and saying why.

Badge scanners, event platforms and people typing a spreadsheet all name the same
column differently ("E-Mail-Adresse", "Cell Phone", "Attendee First Name"). A
known export (crm.imports.vendors) is recognised by its headings and mapped as
its vendor names its columns; other headings are looked up in an alias table,
then a few rules, and the first data rows are evidence too (a column of numbers
is no name, a column of addresses is email). Every column gets a reason in plain
words, shown beside it on the mapping page, so a guess is either clearly right
or plainly left for the manager to map.

The fields and their aliases are in crm.imports.fields, the reading of one
heading in crm.imports.headings; this module weighs the columns together.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crm.imports.fields import FIELDS, REPEATABLE_FIELDS
from crm.imports.headings import (
    KEPT,
    heading_guess,
    heading_words,
    identifier_reason,
    names_someone_else,
    normalise_heading,
)
from crm.imports.vendors import VENDOR_LAYOUTS, VendorLayout

_NAME_FIELDS = frozenset({"full_name", "first_name", "last_name"})

# The data rows read as evidence at upload: enough to judge a column, few enough to be instant.
GUESS_SAMPLE_ROWS = 20

VALUES_ARE_EMAILS = "its values are email addresses"
VALUES_ARE_IDS = "not a name: its values are numbers or ids"

_EMAIL_VALUE = re.compile(r"(?:mailto:)?[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", re.IGNORECASE)


@dataclass(frozen=True)
class MappingGuess:
    """What guessing made of a header: the field of each column that has one, a reason
    in plain words for every column (index -> text), and the known export the
    headings match ("" for none)."""

    mapping: dict[int, str]
    reasons: dict[int, str]
    recognised_as: str = ""


@dataclass(frozen=True)
class _Candidate:
    tier: int  # who says so: 0 the manager last time, 1 the vendor's layout, 2 a guess
    index: int
    field: str
    reason: str


def guess_mapping(
    header: list[str],
    saved: dict[str, str] | None = None,
    *,
    samples: Sequence[Sequence[str]] = (),
    source: str = "",
) -> MappingGuess:
    """Each column's field and the reason for it, from the headings and the first rows.

    `saved` is what a manager chose for this `source` before ({normalised heading:
    field}, "" to ignore the column); it wins over everything, then a recognised
    vendor layout, then guessing, so a guess never takes a field a surer column
    holds. `samples` are the first data rows. Email and phone may come from several
    columns; any other field goes to the first column claiming it.
    """
    layout = recognise_layout(header)
    candidates = [
        _candidate(index, heading, saved or {}, layout, _values(samples, index), source)
        for index, heading in enumerate(header)
    ]
    mapping: dict[int, str] = {}
    reasons: dict[int, str] = {}
    for candidate in sorted(candidates, key=lambda candidate: (candidate.tier, candidate.index)):
        reasons[candidate.index] = _claim(mapping, candidate, header)
    return MappingGuess(
        mapping=dict(sorted(mapping.items())),
        reasons=dict(sorted(reasons.items())),
        recognised_as=layout.name if layout else "",
    )


def recognise_layout(header: list[str]) -> VendorLayout | None:
    """The known export whose signature headings are all in the header; the most
    specific one when several are."""
    keys = {_layout_key(heading) for heading in header}
    matching = [layout for layout, signature in _LAYOUT_SIGNATURES if signature <= keys]
    return max(matching, key=lambda layout: len(layout.signature), default=None)


def _candidate(
    index: int,
    heading: str,
    saved: dict[str, str],
    layout: VendorLayout | None,
    values: list[str],
    source: str,
) -> _Candidate:
    key = normalise_heading(heading)
    if key and key in saved and (saved[key] in FIELDS or not saved[key]):
        return _Candidate(0, index, saved[key], _remembered(saved[key], source))
    vendor = _LAYOUT_COLUMNS[layout.name].get(_layout_key(heading)) if layout else None
    if vendor:
        field, note = vendor
        reason = f"{layout.name}: {note}" if field else f"{layout.name}: {note}; {KEPT}"
        return _Candidate(1, index, field, reason)
    return _Candidate(2, index, *_column_guess(heading, values))


def _remembered(field: str, source: str) -> str:
    whose = f" for “{source.strip()}”" if source.strip() else ""
    return f"as mapped last time{whose}" if field else f"left out last time{whose}: {KEPT}"


def _column_guess(heading: str, values: list[str]) -> tuple[str, str]:
    """The field the heading names, unless the values say otherwise: a column of
    addresses is email, a "name" of numbers or ids is none."""
    words = heading_words(heading)
    field, reason = heading_guess(heading)
    if (field and field not in _NAME_FIELDS) or names_someone_else(words):
        return field, reason
    if _all_emails(values):
        return "email", VALUES_ARE_EMAILS
    identifier = identifier_reason(heading, words)
    if identifier:
        return "", identifier
    if field and _mostly_identifiers(values):
        return "", VALUES_ARE_IDS
    return field, reason


def _layout_key(heading: str) -> str:
    return normalise_heading(heading.replace("#", " number "))


def _values(samples: Sequence[Sequence[str]], index: int) -> list[str]:
    return [row[index].strip() for row in samples if index < len(row) and row[index].strip()]


def _all_emails(values: list[str]) -> bool:
    return bool(values) and all(_EMAIL_VALUE.fullmatch(value) for value in values)


def _mostly_identifiers(values: list[str]) -> bool:
    # Names hold no digits; ids, order numbers and badge codes do.
    ids = sum(1 for value in values if any(char.isdigit() for char in value))
    return ids * 2 > len(values)


def _claim(mapping: dict[int, str], candidate: _Candidate, header: list[str]) -> str:
    """Give the column its field unless another column holds it already; the reason."""
    field = candidate.field
    if not field:
        return candidate.reason
    holder = next((index for index, taken in mapping.items() if taken == field), None)
    if field in REPEATABLE_FIELDS or holder is None:
        mapping[candidate.index] = field
        return candidate.reason
    return f"{FIELDS[field]} comes from “{header[holder]}”: {KEPT}"


_LAYOUT_SIGNATURES = [
    (layout, frozenset(_layout_key(heading) for heading in layout.signature))
    for layout in VENDOR_LAYOUTS
]
_LAYOUT_COLUMNS = {
    layout.name: {_layout_key(heading): column for heading, column in layout.columns.items()}
    for layout in VENDOR_LAYOUTS
}
