"""Reading a phone cell as a spreadsheet left it.

Spreadsheets mangle phone numbers in two ways a booth list shows every day:
a number typed without its "+" becomes a plain number (4917612345678: the
country code is there, the plus is gone), and a national number loses its
leading 0 (030 1234567 becomes 301234567). Read naively in the row's
country, the first gives +49 4917612345678, a number nobody answers. So a cell
of bare digits is read both ways: as written in the row's country, and as an
international number whose "+" was lost. When both are valid numbers and
differ, we choose — the country code when it is the row's own country's, else
the national reading — and say so, so a manager checks the row instead of a
rep calling nobody.

Excel also shortens long numbers to scientific notation in CSV exports
("4.91761E+12"): the last digits are gone, so such a cell is refused with the
reason, never guessed.
"""

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata

from crm.contact import InvalidPhone, Phone, parse_phone

# Bare digits as a spreadsheet cell holds a number: no "+", no leading 0, maybe
# spaces, dots or dashes typed between groups ("49 176 1234 5678"), maybe the
# ".0" of a float exported as text.
BARE_DIGITS = re.compile(r"[1-9][\d .\-]*?(?:\.0)?")
BARE_DIGITS_ONLY = re.compile(r"[1-9]\d*(?:\.0)?")
GROUP_SEPARATOR = re.compile(r"[ .\-]")
SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?[eE]\+?\d+")
NOT_A_DIGIT = re.compile(r"\D")
# The international call prefix most of the world dials ("0049 …").
INTERNATIONAL_PREFIX = "00"


@dataclass(frozen=True)
class PhoneReading:
    """The number a cell was read as, and the other valid reading, if there was one."""

    phone: Phone
    other: Phone | None = None
    why: str = ""  # why `phone` was chosen over `other`


def read_phone_cell(text: str, *, country: str) -> PhoneReading | None:
    """The phone number in a cell, read in the row's country; None for an empty
    cell. Raises InvalidPhone, with the reason, when no reading is a valid number."""
    text = text.strip()
    if not text:
        return None
    if SCIENTIFIC.fullmatch(text):
        raise InvalidPhone(
            f"“{text}” is a number the spreadsheet shortened (its last digits are lost); "
            "format the column as text in the sheet and type the number again."
        )
    if _lost_its_plus(text, country):
        return _bare_digits(text, country)
    return _one_reading(text, country)


def _lost_its_plus(text: str, country: str) -> bool:
    """Whether the cell may be an international number without its "+": bare digits,
    as a sheet stores a number, or typed in groups of which the first is the row's
    own country code ("49 176 1234 5678"). A national layout such as "646.555.0101"
    is not asked twice."""
    if BARE_DIGITS_ONLY.fullmatch(text):
        return True
    if not BARE_DIGITS.fullmatch(text):
        return False
    first_group = GROUP_SEPARATOR.split(text, maxsplit=1)[0]
    code = phonenumbers.country_code_for_region(country) if country else 0
    return bool(code) and first_group == str(code)


def _one_reading(text: str, country: str) -> PhoneReading:
    try:
        return PhoneReading(parse_phone(text, country=country))
    except InvalidPhone:
        if text.startswith(INTERNATIONAL_PREFIX):
            # "0049 30 …" in a country whose own call prefix is 011: the caller meant "+".
            international = _valid("+" + text.removeprefix(INTERNATIONAL_PREFIX), text)
            if international:
                return PhoneReading(international)
        raise


def _bare_digits(text: str, country: str) -> PhoneReading:
    digits = NOT_A_DIGIT.sub("", text[:-2] if text.endswith(".0") else text)
    national = _valid(digits, text, country=country)
    international = _international(digits, text)
    if national is None and international is None:
        raise InvalidPhone(f"“{text}” is not a valid phone number.")
    if national is None or international is None or national.e164 == international[0].e164:
        return PhoneReading(national or international[0])
    phone, region = international
    if region == country:
        why = f"the digits start with the country code of {country}"
        return PhoneReading(phone, other=national, why=why)
    why = f"read as a national number of {country}, the row's country"
    return PhoneReading(national, other=phone, why=why)


def _valid(candidate: str, raw: str, *, country: str = "") -> Phone | None:
    try:
        phone = parse_phone(candidate, country=country)
    except InvalidPhone:
        return None
    return Phone(e164=phone.e164, raw=raw, extension=phone.extension) if phone else None


def _international(digits: str, raw: str) -> tuple[Phone, str] | None:
    """The digits read as an international number whose "+" was lost, with its
    country; None unless valid. Most bare digits can't be one (no country code
    leads them to a possible length), which is told without parsing."""
    if not _could_be_international(digits):
        return None
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, raw=raw), phonenumbers.region_code_for_number(number) or ""


def _could_be_international(digits: str) -> bool:
    # Country codes are prefix-free: the first one that leads the digits is the one.
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return len(digits) - size in _possible_lengths(code)
    return False


@cache
def _possible_lengths(country_code: int) -> frozenset[int]:
    """How long a national number of this country code may be, by its metadata."""
    lengths: set[int] = set()
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code]:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is not None and metadata.general_desc is not None:
            lengths.update(metadata.general_desc.possible_length or ())
    return frozenset(lengths)
