"""One spreadsheet row to one booth visitor: cleaned, or the reason it can't be.

Nothing a row says is lost: values without a lead field (unmapped columns, a
text cut to the field's length, an email that isn't one when the phone is
usable) are kept in the booth visit's data.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crm.contact import InvalidPhone, Phone, country_code, parse_phone
from crm.imports.columns import REPEATABLE_FIELDS, split_full_name
from crm.models import LEAD_PROFILE_FIELDS, Lead

MAX_LENGTHS = {name: Lead._meta.get_field(name).max_length for name in LEAD_PROFILE_FIELDS}
EMAIL_MAX_LENGTH = Lead._meta.get_field("email").max_length


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


@dataclass(frozen=True)
class RowProblem:
    """A row that can't become a lead, with its spreadsheet row number."""

    number: int
    message: str
    cells: list[str]


def clean_row(
    number: int,
    cells: list[str],
    *,
    header: list[str],
    mapping: dict[int, str],
    default_country: str,
) -> BoothRow | RowProblem:
    values, extra = _split_cells(cells, header, mapping)
    country = values.get("country", "")
    country_iso = country_code(country)
    if country and not country_iso:
        extra["Country"] = country
    email, email_problem = _email(next(iter(values["emails"]), ""))
    phone_country = country_iso or default_country or settings.CRM_DEFAULT_COUNTRY
    phone, phone_problem = _phone(values.get("phones", []), phone_country)
    if not email and not phone:
        return RowProblem(number, _no_contact_message(email_problem, phone_problem), cells)
    if email_problem:
        extra["Unusable email"] = values["emails"][0]
    return BoothRow(
        number=number,
        email=email,
        phone=phone,
        profile=_profile(values, country_iso, extra),
        notes=values.get("notes", ""),
        rating=values.get("rating", ""),
        extra=extra,
    )


def _split_cells(
    cells: list[str], header: list[str], mapping: dict[int, str]
) -> tuple[dict, dict[str, str]]:
    """The mapped values by field (phones as a list, in column order), and the
    non-empty unmapped cells by their heading."""
    values: dict = {"phones": [], "emails": []}
    extra: dict[str, str] = {}
    for index, raw in enumerate(cells):
        text = raw.replace("\x00", "").strip()
        if not text:
            continue
        target = mapping.get(index, "")
        if target in REPEATABLE_FIELDS:
            values[f"{target}s"].append(text)
        elif target and target not in values:
            values[target] = text
        else:
            heading = (
                header[index] if index < len(header) and header[index] else f"Column {index + 1}"
            )
            extra[heading] = text
    return values, extra


def _email(text: str) -> tuple[str, str]:
    """(the email, '') or ('', why it isn't one)."""
    if not text:
        return "", ""
    email = text.strip("<>").strip()
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        return "", f"“{text}” is not a valid email address"
    return email, ""


def _phone(candidates: list[str], country: str) -> tuple[Phone | None, str]:
    """The first usable number of the row's phone columns."""
    problem = ""
    for text in candidates:
        try:
            phone = parse_phone(text, country=country)
        except InvalidPhone:
            problem = problem or f"“{text}” is not a valid phone number"
            continue
        if phone:
            return phone, ""
    return None, problem


def _no_contact_message(email_problem: str, phone_problem: str) -> str:
    reasons = [reason for reason in (email_problem, phone_problem) if reason]
    if not reasons:
        return "No email or phone."
    return "No usable email or phone: " + "; ".join(reasons) + "."


def _profile(values: dict, country_iso: str, extra: dict[str, str]) -> dict[str, str]:
    profile = {name: values[name] for name in LEAD_PROFILE_FIELDS if values.get(name)}
    if "full_name" in values and not (profile.get("first_name") or profile.get("last_name")):
        first, last = split_full_name(values["full_name"])
        profile.update({"first_name": first, "last_name": last})
    profile["country"] = country_iso
    for name, value in list(profile.items()):
        limit = MAX_LENGTHS[name]
        if len(value) > limit:
            extra[f"Full {name.replace('_', ' ')}"] = value
            profile[name] = value[:limit]
    return {name: value for name, value in profile.items() if value}
