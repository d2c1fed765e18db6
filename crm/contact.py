"""Normalising contact data: emails, phone numbers, countries and time zones.

Pure functions with no database access, shared by every entry path (forms,
API, imports) through the find-or-create service.
"""

from dataclasses import dataclass
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from phonenumbers import timezone as phone_timezone

# Common names that are not ISO 3166 names or codes.
COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "america": "US",
    "united states of america": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "south korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
}

# The time zone most of each region's people live in, for countries that span
# several zones, by ISO 3166-2 subdivision code. Names come from pycountry.
REGION_TIME_ZONES = {
    "US": {
        "America/New_York": "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV",
        "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
        "America/Denver": "CO ID MT NM UT WY",
        "America/Phoenix": "AZ",
        "America/Los_Angeles": "CA NV OR WA",
        "America/Anchorage": "AK",
        "Pacific/Honolulu": "HI",
        "America/Puerto_Rico": "PR",
    },
    "CA": {
        "America/Vancouver": "BC YT",
        "America/Edmonton": "AB NT",
        "America/Regina": "SK",
        "America/Winnipeg": "MB",
        "America/Toronto": "ON QC NU",
        "America/Halifax": "NB NS PE",
        "America/St_Johns": "NL",
    },
    "AU": {
        "Australia/Sydney": "NSW ACT",
        "Australia/Melbourne": "VIC",
        "Australia/Brisbane": "QLD",
        "Australia/Adelaide": "SA",
        "Australia/Perth": "WA",
        "Australia/Hobart": "TAS",
        "Australia/Darwin": "NT",
    },
}


class InvalidPhone(ValueError):
    """The text is not a phone number we could dial."""


@dataclass(frozen=True)
class Phone:
    e164: str
    raw: str
    extension: str = ""


def normalize_email(raw: str | None) -> str:
    """The address as written, without surrounding whitespace or angle brackets."""
    return (raw or "").strip().strip("<>").strip()


@cache
def country_code(value: str | None) -> str:
    """The ISO 3166 alpha-2 code for a code or a country name, or '' if unknown."""
    text = (value or "").strip()
    if not text:
        return ""
    if text.lower() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text.lower()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return ""


def country_code_or_text(value: str) -> str:
    """For filtering by country: the ISO code of a code or name, else the text itself,
    uppercased, which matches nothing (cutting it to two letters would: "Atlantis" is AT)."""
    return country_code(value) or value.strip().upper()


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


def derive_time_zone(*, phone: str = "", country: str = "", region: str = "") -> str:
    """The lead's likely IANA time zone from its E.164 phone, else its address."""
    phone_zones = _phone_time_zones(phone)
    if len(phone_zones) == 1:
        return phone_zones[0]
    country = country_code(country) or phone_country(phone)
    by_region = _region_time_zones(country).get(region.strip().lower())
    if by_region:
        return by_region
    if phone_zones:
        # The phone's zones come alphabetically; zone.tab lists the populous ones first.
        return min(phone_zones, key=lambda zone: _zone_tab_rank().get(zone, len(_zone_tab_rank())))
    return _country_time_zones().get(country, "")


def _phone_time_zones(e164: str) -> list[str]:
    if not e164:
        return []
    zones = phone_timezone.time_zones_for_number(phonenumbers.parse(e164))
    return [zone for zone in zones if zone in valid_time_zones()]


@cache
def _region_time_zones(country: str) -> dict[str, str]:
    """Region code or name (lowercased) -> time zone."""
    zones = {}
    for zone, codes in REGION_TIME_ZONES.get(country, {}).items():
        for code in codes.split():
            zones[code.lower()] = zone
            subdivision = pycountry.subdivisions.get(code=f"{country}-{code}")
            if subdivision:
                zones[subdivision.name.lower()] = zone
    return zones


@cache
def _zone_tab() -> list[tuple[str, str]]:
    """(country, zone) rows of the tz database's zone.tab, in its order: by country,
    and within one the most populous zones first where geography allows."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return [(code, zone) for code, _coordinates, zone, *_ in rows]


@cache
def _country_time_zones() -> dict[str, str]:
    """The first (most populous) zone of each country."""
    zones: dict[str, str] = {}
    for code, zone in _zone_tab():
        zones.setdefault(code, zone)
    return zones


@cache
def _zone_tab_rank() -> dict[str, int]:
    return {zone: rank for rank, (_code, zone) in enumerate(_zone_tab())}


@cache
def valid_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in valid_time_zones():
        raise ValidationError("“%(value)s” is not a time zone name.", params={"value": value})


# Countries that write "City, REGION POSTCODE" on one line; GB puts the postcode on
# its own line; most others write "POSTCODE City".
CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})


def address_lines(
    *, line1: str, line2: str, city: str, region: str, postal_code: str, country: str
) -> list[str]:
    """A postal address as people of its country write it, country name last."""
    if country in CITY_REGION_POSTCODE:
        locality = [f"{city}, {region} {postal_code}".strip(" ,")]
    elif country == "GB":
        locality = [city, postal_code]
    else:
        locality = [f"{postal_code} {city}".strip()]
    return [line for line in (line1, line2, *locality, country_name(country)) if line]


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code)
