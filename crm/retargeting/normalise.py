"""Normalising and hashing one value, as the platforms' files need it. Which rule
a platform's column follows, and the page that says so, is in formats.py.

Accented letters are composed (Unicode NFC) before hashing, so a name hashes
the same however it was typed. An empty value stays empty: the hash of nothing
would match nobody and look like data.
"""

import hashlib
import unicodedata
from functools import cache

import pycountry


def sha256_hex(value: str) -> str:
    """The lowercase hex SHA-256 of a normalised value; empty stays empty."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


def normalise_email(email: str) -> str:
    """Trimmed and lowercased; dots and "+tags" kept, since no platform we write
    for asks for them to go in a customer-list file."""
    return email.strip().lower()


def phone_e164(phone: str) -> str:
    """The lead's stored E.164 number ("+14155552671"), or "" when there is none."""
    digits = _digits(phone)
    return f"+{digits}" if digits else ""


def phone_digits(phone: str) -> str:
    """E.164 without the "+" (nor any leading zeros): "14155552671"."""
    return _digits(phone).lstrip("0")


def plain_text(text: str) -> str:
    """A value a platform matches in plain text: composed, trimmed, single spaces."""
    return " ".join(_composed(text).split())


def country_code(country: str) -> str:
    """The ISO 3166-1 alpha-2 code in capitals ("US")."""
    return country.strip().upper()


def google_first_name(name: str) -> str:
    return " ".join(_composed(name).lower().split())


def google_last_name(name: str) -> str:
    return " ".join(_without_punctuation(_composed(name)).lower().split())


def meta_name(text: str) -> str:
    """fn, ln and ct: lowercase letters only, accented ones included."""
    return "".join(ch for ch in _composed(text).lower() if ch.isalpha())


def meta_state(region: str, country: str) -> str:
    if country.upper() == "US":
        return _us_state_codes().get(region.strip().lower(), meta_name(region))
    return meta_name(region)


def meta_zip(postal_code: str, country: str) -> str:
    code = "".join(postal_code.lower().split())
    if country.upper() == "US":
        return _digits(code)[:5]
    if country.upper() == "GB" and len(code) > 4:
        return code[:-2]  # area, district and sector: drop the inward unit
    return code


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _composed(text: str) -> str:
    """One way to write each accented letter (NFC), so "zoë" hashes alike wherever
    it was typed."""
    return unicodedata.normalize("NFC", text)


def _without_punctuation(text: str) -> str:
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


@cache
def _us_state_codes() -> dict[str, str]:
    """A US state's code or name (lowercased) -> its code, lowercased."""
    codes = {}
    for subdivision in pycountry.subdivisions.get(country_code="US"):
        code = subdivision.code.split("-")[1].lower()
        codes[code] = code
        codes[subdivision.name.lower()] = code
    return codes
