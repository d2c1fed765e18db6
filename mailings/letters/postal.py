"""Postal addresses as the post office of the destination country wants them printed.

Envelope rules differ from how people write an address on a web form: the USPS
reads "CITY ST ZIP" in capitals without punctuation, Royal Mail wants the post
town in capitals and the postcode on its own line, most of Europe puts the postal
code before the city, and the destination country is named in capitals on the
last line only when the letter leaves the sender's country (UPU S42).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry
from django.conf import settings


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# At most this many lines fit the window of a #10 or DL envelope in a readable size.
MAX_LINES = 6

# "CITY ST ZIP" on one line.
CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})
# Post town on its own line, then the postcode on its own line.
TOWN_THEN_POSTCODE = frozenset({"GB", "IE"})
# Postal code before the city: the rule in (almost all of) Europe.
POSTCODE_CITY = _codes(
    "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GL GR HR HU IS IT LI LT LU LV MC MD "
    "ME MK MT NL NO PL PT RO RS SE SI SK SM TR UA VA"
)
# Where the post office itself writes the city in capitals.
UPPERCASE_CITY = frozenset({"US", "CA", "AU", "GB", "IE", "FR", "MC"})
# Italy adds the two-letter province after the city: "00144 ROMA RM".
PROVINCE_AFTER_CITY = frozenset({"IT"})

REGION_WORD = {"US": "state", "AU": "state", "CA": "province"}
# Military "states" the USPS uses, which ISO 3166-2 does not list.
US_MILITARY_STATES = frozenset({"AA", "AE", "AP"})

POSTAL_CODE_FORMATS = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
    "GB": r"([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA)",
    "DE": r"(?!00)\d{5}",
    "FR": r"\d{5}",
    "NL": r"[1-9]\d{3} ?[A-Z]{2}",
    "AT": r"[1-9]\d{3}",
    "CH": r"[1-9]\d{3}",
    "IT": r"\d{5}",
    "ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
    "AU": r"\d{4}",
    "BE": r"[1-9]\d{3}",
    "DK": r"\d{4}",
    "NO": r"\d{4}",
    "LU": r"\d{4}",
    "SE": r"\d{3} ?\d{2}",
    "FI": r"\d{5}",
    "PL": r"\d{2}-\d{3}",
    "PT": r"\d{4}-\d{3}",
    "JP": r"\d{3}-?\d{4}",
}

# Countries without postal codes, and Ireland, where the Eircode is optional.
NO_POSTAL_CODE = _codes(
    "AE AG AN AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ GY HK "
    "IE JM KI KM KN KP LY ML MO MR MW NR NU QA RW SB SC SL SO SR SS ST SY TD TF TG TK TL TO "
    "TT TV UG VU YE ZW"
)

# Short English names where ISO's name is inverted ("Congo, The Democratic Republic of the").
COUNTRY_NAMES = {
    "CD": "DEMOCRATIC REPUBLIC OF THE CONGO",
    "FM": "MICRONESIA",
    "PS": "PALESTINE",
    "RU": "RUSSIA",
    "VA": "VATICAN CITY",
    "VG": "BRITISH VIRGIN ISLANDS",
    "VI": "US VIRGIN ISLANDS",
}


@dataclass(frozen=True)
class PostalAddress:
    name: str
    organisation: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


def address_lines(address: PostalAddress, *, sender_country: str) -> list[str]:
    """The lines to print in the envelope window, at most MAX_LINES, empty parts skipped."""
    country = _clean(address.country).upper()
    street = [_clean(address.line1), _clean(address.line2)]
    head = [_clean(address.name), _clean(address.organisation)]
    tail = _locality_lines(address, country)
    if country and country != _clean(sender_country).upper():
        tail.append(country_line(country))
    if len([line for line in (*head, *street, *tail) if line]) > MAX_LINES:
        # Post offices accept the flat or suite on the street line; it saves a line.
        street = [", ".join(part for part in street if part)]
    return [line for line in (*head, *street, *tail) if line]


def address_problems(address: PostalAddress) -> list[str]:
    """Why the post office would not deliver this address; [] when it is complete."""
    country = _clean(address.country).upper()
    problems = []
    if not (_clean(address.name) or _clean(address.organisation)):
        problems.append("no name")
    if not (_clean(address.line1) or _clean(address.line2)):
        problems.append("no street")
    if not _clean(address.city):
        problems.append("no city")
    if not country:
        return [*problems, "no country"]
    if not _is_country(country):
        return [*problems, f"{country} is not a country code"]
    problems += _postal_code_problems(_clean(address.postal_code), country)
    problems += _region_problems(_clean(address.region), country)
    return problems


def lead_address(lead) -> PostalAddress:
    """The postal address of a crm Lead."""
    return PostalAddress(
        name=lead.formal_name,
        organisation=lead.company,
        line1=lead.address_line1,
        line2=lead.address_line2,
        city=lead.city,
        region=lead.region,
        postal_code=lead.postal_code,
        country=lead.country.upper(),
    )


def return_address() -> list[str]:
    """Our own address for the envelope: LETTER_RETURN_ADDRESS (a list of lines) when
    set, else the one-line MAIL_POSTAL_ADDRESS that the email footers print."""
    lines = getattr(settings, "LETTER_RETURN_ADDRESS", None)
    if lines:
        return [str(line) for line in lines]
    return split_one_line_address(getattr(settings, "MAIL_POSTAL_ADDRESS", ""))


def split_one_line_address(text: str) -> list[str]:
    """ "Follow-up CRM, 1 Example Street, Springfield, IL 62701, USA" -> four lines,
    keeping "Springfield, IL 62701" together as the USPS last line."""
    lines: list[str] = []
    for part in (part.strip() for part in text.split(",")):
        if lines and re.fullmatch(r"[A-Z]{2,3} [A-Z0-9][A-Z0-9 -]{2,9}", part):
            lines[-1] = f"{lines[-1]}, {part}"
        elif part:
            lines.append(part)
    return lines


def country_line(country: str) -> str:
    """The destination country in capitals, in English, as the UPU asks."""
    if country in COUNTRY_NAMES:
        return COUNTRY_NAMES[country]
    record = pycountry.countries.get(alpha_2=country)
    if record is None:
        return country
    name = getattr(record, "common_name", None) or record.name
    return re.sub(r"\s*\(.*?\)", "", name).upper()


def _locality_lines(address: PostalAddress, country: str) -> list[str]:
    city, postal_code = _clean(address.city), _postal_code(address.postal_code, country)
    region = _clean(address.region)
    if country in UPPERCASE_CITY:
        city = city.upper()
    if country in CITY_REGION_POSTCODE:
        # USPS and Canada Post read this line without punctuation.
        city = re.sub(r"[.,]", "", city)
        return [_join(city, _region_code(region, country), postal_code)]
    if country in TOWN_THEN_POSTCODE:
        return [city, postal_code]
    if country in PROVINCE_AFTER_CITY and len(region) == 2:
        return [_join(postal_code, city, region.upper())]
    if country in POSTCODE_CITY or not country:
        return [_join(postal_code, city)]
    return [_join(city, region, postal_code)]


def _postal_code(raw: str, country: str) -> str:
    code = _clean(raw).upper()
    if country in ("GB", "CA") and " " not in code and len(code) > 4:
        # The inward code is always the last three characters.
        return f"{code[:-3]} {code[-3:]}"
    if country == "NL" and re.fullmatch(r"\d{4}[A-Z]{2}", code):
        return f"{code[:4]} {code[4:]}"
    return code


def _postal_code_problems(code: str, country: str) -> list[str]:
    if not code:
        return [] if country in NO_POSTAL_CODE else ["no postal code"]
    pattern = POSTAL_CODE_FORMATS.get(country)
    if pattern and not re.fullmatch(pattern, code.upper()):
        return [f"postal code {code} is not a valid {country} postal code"]
    return []


def _region_problems(region: str, country: str) -> list[str]:
    word = REGION_WORD.get(country)
    if word is None:
        return []
    if not region:
        return [f"no {word}"]
    if _region_code(region, country) not in _region_codes(country):
        return [f"{region} is not a {country} {word}"]
    return []


def _region_code(region: str, country: str) -> str:
    """ "California" -> "CA": the postal abbreviation the USPS and Canada Post read."""
    return _region_names(country).get(region.casefold(), region.upper())


@cache
def _region_names(country: str) -> dict[str, str]:
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return {record.name.casefold(): record.code.split("-", 1)[1] for record in subdivisions}


@cache
def _region_codes(country: str) -> frozenset[str]:
    codes = frozenset(_region_names(country).values())
    return codes | US_MILITARY_STATES if country == "US" else codes


@cache
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _clean(value: str | None) -> str:
    """One line of printable text: no control characters, no runs of spaces."""
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in value or "")
    return " ".join(text.split())
