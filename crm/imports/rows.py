"""One spreadsheet row to one booth visitor: cleaned, or the reason it can't be.

Nothing a row says is lost: the first usable email and phone are the lead's,
the others are kept as its other contacts (with their column's heading), and
values without a lead field (unmapped columns, a text cut to the field's
length, an address or number that can't be used, a country we can't read) are
kept in the booth visit's data. What can't be used on a row that is imported
anyway is reported on that row (a RowWarning), never dropped in silence.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from crm.contact import InvalidPhone, Phone, country_code
from crm.imports.emails import read_email_cell
from crm.imports.fields import REPEATABLE_FIELDS
from crm.imports.phones import read_phone_cell
from crm.imports.times import parse_scan_time
from crm.models import LEAD_PROFILE_FIELDS, ContactPoint, Lead
from crm.names.parsing import parse_name

MAX_LENGTHS = {name: Lead._meta.get_field(name).max_length for name in LEAD_PROFILE_FIELDS}
NAME_FIELDS = frozenset({"name_prefix", "first_name", "last_name", "name_suffix"})


@dataclass(frozen=True)
class RowContact:
    """One usable email or phone of the row, with the column it came from."""

    kind: str  # ContactPoint.Kind
    value: str  # as matching compares it: lowercased email, or E.164
    raw: str
    label: str  # the column's heading
    extension: str = ""


@dataclass(frozen=True)
class RowWarning:
    """Something on an imported row that could not be used as it was written."""

    number: int
    kind: str  # "phone_reading", "phone", "email", "country", "scan_time"
    column: str
    message: str
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "row": self.number,
            "kind": self.kind,
            "column": self.column,
            "message": self.message,
            **({"values": self.values} if self.values else {}),
        }


@dataclass
class BoothRow:
    """A usable row: who the person is, and what else the row said."""

    number: int
    email: str
    phone: Phone | None
    profile: dict[str, str]
    notes: str = ""
    rating: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # Every usable email, then every usable phone, the first ones (email, phone) too.
    contacts: list[RowContact] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    scanned_at: dt.datetime | None = None  # naive (the event's zone) unless it said its own
    new_lead_time_zone: str = ""  # what a lead made from this row gets (crm.imports.engine)


@dataclass(frozen=True)
class RowProblem:
    """A row that can't become a lead, with its spreadsheet row number."""

    number: int
    message: str
    cells: list[str]


@dataclass
class _Cells:
    """A row's cells sorted out: one value per mapped field, every cell of the
    repeatable ones with its column's heading, and the unmapped cells."""

    values: dict[str, str] = field(default_factory=dict)
    repeated: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)


def clean_row(
    number: int,
    cells: list[str],
    *,
    header: list[str],
    mapping: dict[int, str],
    default_country: str,
) -> BoothRow | RowProblem:
    sorted_cells = _sort_cells(cells, header, mapping)
    values, extra, warnings = sorted_cells.values, sorted_cells.extra, []
    country_iso = _country(values, extra, warnings, number)
    emails = _emails(sorted_cells.repeated.get("email", []), extra, warnings, number)
    phone_country = country_iso or default_country or settings.CRM_DEFAULT_COUNTRY
    phones = _phones(sorted_cells.repeated.get("phone", []), phone_country, extra, warnings, number)
    if not emails and not phones:
        return RowProblem(number, _no_contact_message(warnings), cells)
    row = BoothRow(
        number=number,
        email=emails[0].raw if emails else "",
        phone=phones[0][1] if phones else None,
        profile=_profile(values, country_iso, extra),
        notes=values.get("notes", ""),
        rating=values.get("rating", ""),
        extra=extra,
        contacts=[*emails, *(_phone_contact(label, phone) for label, phone in phones)],
        warnings=warnings,
    )
    if "scanned_at" in values:
        row.scanned_at = _scan_time(values["scanned_at"], default_country, row)
    return row


def _sort_cells(cells: list[str], header: list[str], mapping: dict[int, str]) -> _Cells:
    sorted_cells = _Cells()
    for index, raw in enumerate(cells):
        text = raw.replace("\x00", "").strip()
        if not text:
            continue
        heading = header[index] if index < len(header) and header[index] else ""
        target = mapping.get(index, "")
        if target in REPEATABLE_FIELDS:
            sorted_cells.repeated.setdefault(target, []).append((heading, text))
        elif target and target not in sorted_cells.values:
            sorted_cells.values[target] = text
        else:
            sorted_cells.extra[heading or f"Column {index + 1}"] = text
    return sorted_cells


def _country(values: dict, extra: dict, warnings: list[RowWarning], number: int) -> str:
    country = values.get("country", "")
    code = country_code(country)
    if country and not code:
        extra["Country"] = country
        warnings.append(
            RowWarning(
                number,
                "country",
                "Country",
                f"“{country}” is not a country we know: the lead was imported without a "
                "country, and phones were read in the event's.",
            )
        )
    return code


def _emails(
    cells: list[tuple[str, str]], extra: dict, warnings: list[RowWarning], number: int
) -> list[RowContact]:
    """Every usable address of the row's email columns, in order, once each; a
    cell with something unusable in it is kept whole in the visit's data."""
    found: dict[str, RowContact] = {}
    for heading, text in cells:
        cell = read_email_cell(text)
        for address in cell.addresses:
            key = address.lower()
            if key not in found:
                found[key] = RowContact(ContactPoint.Kind.EMAIL, key, address, heading)
        for problem in cell.problems:
            warnings.append(RowWarning(number, "email", heading or "Email", problem + "."))
        if cell.problems:
            extra[_unusable_key("email", heading, extra)] = text
    return list(found.values())


def _phones(
    cells: list[tuple[str, str]],
    country: str,
    extra: dict,
    warnings: list[RowWarning],
    number: int,
) -> list[tuple[str, Phone]]:
    """(heading, phone) for every usable number of the row's phone columns, in
    order, once each; a cell that isn't one is kept in the visit's data."""
    found: dict[str, tuple[str, Phone]] = {}
    for heading, text in cells:
        try:
            reading = read_phone_cell(text, country=country)
        except InvalidPhone as exc:
            warnings.append(RowWarning(number, "phone", heading or "Phone", str(exc)))
            extra[_unusable_key("phone", heading, extra)] = text
            continue
        if reading.other is not None:
            warnings.append(_two_readings(number, heading, text, reading))
        found.setdefault(reading.phone.e164, (heading, reading.phone))
    return list(found.values())


def _unusable_key(kind: str, heading: str, extra: dict) -> str:
    """ "Unusable email", or with the column's heading when the row has several."""
    key = f"Unusable {kind}"
    return key if key not in extra else f"{key} ({heading or len(extra)})"


def _two_readings(number: int, heading: str, text: str, reading) -> RowWarning:
    return RowWarning(
        number,
        "phone_reading",
        heading or "Phone",
        f"“{text}” reads as {reading.phone.e164} or {reading.other.e164}: "
        f"{reading.phone.e164} was kept ({reading.why}).",
        values={"cell": text, "kept": reading.phone.e164, "other": reading.other.e164},
    )


def _phone_contact(label: str, phone: Phone) -> RowContact:
    return RowContact(ContactPoint.Kind.PHONE, phone.e164, phone.raw, label, phone.extension)


def _no_contact_message(warnings: list[RowWarning]) -> str:
    reasons = [w.message.rstrip(".") for w in warnings if w.kind in ("email", "phone")]
    if not reasons:
        return "No email or phone."
    return "No usable email or phone: " + "; ".join(reasons) + "."


def _scan_time(text: str, country: str, row: BoothRow) -> dt.datetime | None:
    scanned_at = parse_scan_time(text, country=country or settings.CRM_DEFAULT_COUNTRY)
    if scanned_at is None:
        row.extra["Scan time"] = text
        row.warnings.append(
            RowWarning(
                row.number,
                "scan_time",
                "Scan time",
                f"“{text}” is not a date and time we can read: the visit has the event's date.",
            )
        )
    return scanned_at


def _profile(values: dict, country_iso: str, extra: dict[str, str]) -> dict[str, str]:
    profile = {name: values[name] for name in LEAD_PROFILE_FIELDS if values.get(name)}
    if NAME_FIELDS & profile.keys() or "full_name" in values:
        name = parse_name(
            full=values.get("full_name", ""),
            first=profile.get("first_name", ""),
            last=profile.get("last_name", ""),
            prefix=profile.get("name_prefix", ""),
            suffix=profile.get("name_suffix", ""),
        )
        profile |= {
            "name_prefix": name.prefix,
            "first_name": name.first,
            "last_name": name.last,
            "name_suffix": name.suffix,
        }
    profile["country"] = country_iso
    for name, value in list(profile.items()):
        limit = MAX_LENGTHS[name]
        if len(value) > limit:
            extra[f"Full {name.replace('_', ' ')}"] = value
            profile[name] = value[:limit]
    return {name: value for name, value in profile.items() if value}
