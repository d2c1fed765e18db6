"""Phone numbers: parsed to E.164 with the extension apart, their country, and
grouped for display."""

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat

from crm.contact.countries import country_code


class InvalidPhone(ValueError):
    """The text is not a phone number we could dial."""


@dataclass(frozen=True)
class Phone:
    e164: str
    raw: str
    extension: str = ""


def parse_phone(raw: str | int | float | None, *, country: str = "") -> Phone | None:
    """Parse a phone number to E.164, keeping its extension apart.

    National numbers need `country` (a code or a name). Returns None for empty
    input and raises InvalidPhone for text that is not a valid number.
    """
    text = _phone_text(raw)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, country_code(country) or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"“{text}” is not a phone number we understand.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"“{text}” is not a valid phone number.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, raw=text, extension=number.extension or "")


def _phone_text(raw: str | int | float | None) -> str:
    # Spreadsheets store long numbers as floats: 4155552671.0
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw if raw is not None else "").strip()


def phone_country(e164: str) -> str:
    """The ISO country code of an E.164 number, or ''."""
    if not e164:
        return ""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""


@lru_cache(maxsize=8192)
def phone_for_display(number: str, *, home_country: str = "") -> str:
    """A stored phone grouped as people write it: national ("(415) 555-0134",
    "030 123456") for a number of `home_country`, else international
    ("+39 02 8032 3411"); a number that does not parse is shown as stored.

    Cached: parsing costs tens of microseconds and a page can show one number
    several times (the list, the card's link and its label)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    parsed.extension = None  # shown apart ("ext. 12"), as the lead page always did
    at_home = home_country and phonenumbers.region_code_for_number(parsed) == home_country
    style = PhoneNumberFormat.NATIONAL if at_home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)
