"""Retargeting ads: an audience as a customer list for Google Ads and for Meta,
normalised and SHA-256 hashed (lowercase hex) as each platform documents.

Who is in a file: the audience's members whose consent allows marketing — email
consent confirmed (double opt-in), or, with MAIL_SOFT_OPT_IN on, a customer who
has not said no — and who never unsubscribed; the same rule as marketing email
(mailings.consent.why_not_email), since an ad list is marketing too. Do-not-call
and do-not-mail are about our phone calls and letters, not ads, and leave a lead
in. A member with neither an email nor a phone is left out: there is nothing a
platform could match reliably.

Google Ads Customer Match, followed from "Format your customer data file"
(support.google.com/google-ads/answer/7659867), "Formatting guidelines for
uploading hashed data" (support.google.com/google-ads/answer/7476159) and, for
each field, the Google Ads API reference (OfflineUserAddressInfo, UserIdentifier):
- headers exactly "Email", "Phone", "First Name", "Last Name", "Country", "Zip";
- Email: trimmed, lowercased, hashed. Gmail dots are kept: removing them is a
  rule for enhanced conversions, not for Customer Match files;
- Phone: E.164 with its "+" (+14155552671), hashed;
- First Name: lowercased, no spaces before or after and single ones between, hashed;
- Last Name: the same, without punctuation, hashed;
- Country: the ISO 3166-1 alpha-2 code; Zip: the postal code as written, trimmed.
  Both in plain text (Google does not take them hashed).

Meta customer list custom audiences, followed from the Marketing API guide
"Customer File Custom Audiences", section "Hashing and normalizing data"
(developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences),
with the identifiers Ads Manager's customer list file takes as headers:
- headers exactly "email", "phone", "fn", "ln", "ct", "st", "zip", "country";
- every value hashed;
- email: trimmed, lowercased;
- phone: digits only with the country code, no "+" or leading zeros (14155552671);
- fn, ln: lowercased letters only (no punctuation, no spaces; letters outside
  a-z kept, hashed as UTF-8);
- ct: the city the same way;
- st: a US state as its two-letter code, lowercased; elsewhere letters only;
- zip: lowercased without spaces; in the US the first 5 digits; in the UK the
  area, district and sector (SW1A 1AA → sw1a1);
- country: the ISO 3166-1 alpha-2 code, lowercased.

Accented letters are composed (Unicode NFC) before hashing, so a name hashes
the same however it was typed. An empty value stays an empty cell: the hash of
nothing would match nobody and look like data. Every cell is written through
crm.exports.export_value, so a cell a spreadsheet would run as a formula is
neutralised. No byte order mark: the platforms read the header row by name, and
a BOM would hide the first one.
"""

import csv
import hashlib
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import pycountry
from django.db.models import Q, QuerySet

from crm.audiences.models import Audience
from crm.audiences.selectors import audience_members
from crm.exports import export_value
from crm.models import Lead
from crm.selectors import marketing_consent

EXPORT_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "city",
    "region",
    "postal_code",
    "country",
)
CHUNK_SIZE = 2000


def sha256_hex(value: str) -> str:
    """The lowercase hex SHA-256 of a normalised value; empty stays empty."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


# Normalising, per field and platform


def normalise_email(email: str) -> str:
    return email.strip().lower()


def phone_e164(phone: str) -> str:
    """The lead's stored E.164 number ("+14155552671"), or "" when there is none."""
    digits = _digits(phone)
    return f"+{digits}" if digits else ""


def phone_digits(phone: str) -> str:
    """E.164 without the "+" (nor any leading zeros): "14155552671"."""
    return _digits(phone).lstrip("0")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def google_first_name(name: str) -> str:
    return " ".join(_composed(name).lower().split())


def google_last_name(name: str) -> str:
    return " ".join(_without_punctuation(_composed(name)).lower().split())


def meta_name(text: str) -> str:
    """fn, ln and ct: lowercase letters only, accented ones included."""
    return "".join(ch for ch in _composed(text).lower() if ch.isalpha())


def _composed(text: str) -> str:
    """One way to write each accented letter (NFC), so "zoë" hashes alike wherever
    it was typed."""
    return unicodedata.normalize("NFC", text)


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


# The two layouts


@dataclass(frozen=True)
class Layout:
    name: str
    headers: tuple[str, ...]
    row: Callable[[dict], list[str]]


def _google_row(lead: dict) -> list[str]:
    return [
        sha256_hex(normalise_email(lead["email"])),
        sha256_hex(phone_e164(lead["phone"])),
        sha256_hex(google_first_name(lead["first_name"])),
        sha256_hex(google_last_name(lead["last_name"])),
        lead["country"].strip().upper(),
        lead["postal_code"].strip(),
    ]


def _meta_row(lead: dict) -> list[str]:
    country = lead["country"].strip()
    return [
        sha256_hex(normalise_email(lead["email"])),
        sha256_hex(phone_digits(lead["phone"])),
        sha256_hex(meta_name(lead["first_name"])),
        sha256_hex(meta_name(lead["last_name"])),
        sha256_hex(meta_name(lead["city"])),
        sha256_hex(meta_state(lead["region"], country)),
        sha256_hex(meta_zip(lead["postal_code"], country)),
        sha256_hex(country.lower()),
    ]


GOOGLE = Layout(
    "google", ("Email", "Phone", "First Name", "Last Name", "Country", "Zip"), _google_row
)
META = Layout("meta", ("email", "phone", "fn", "ln", "ct", "st", "zip", "country"), _meta_row)
LAYOUTS = {layout.name: layout for layout in (GOOGLE, META)}


# Who, and the file


def ads_consent() -> Q:
    """Leads whose consent allows putting them on an ad platform's customer list:
    marketing consent, as for email."""
    return marketing_consent()


def audience_export_leads(audience: Audience) -> QuerySet[Lead]:
    """The audience's members that may go into a retargeting file."""
    return (
        audience_members(audience).filter(ads_consent()).exclude(email="", phone="").order_by("pk")
    )


def audience_csv(audience: Audience, layout: Layout) -> Iterator[str]:
    """The file, a piece of text at a time (streamed, read in chunks)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(layout.headers)
    leads = audience_export_leads(audience).values(*EXPORT_FIELDS)
    for lead in leads.iterator(chunk_size=CHUNK_SIZE):
        writer.writerow([export_value(value) for value in layout.row(lead)])
        if buffer.tell() >= 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
