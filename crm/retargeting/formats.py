"""One spec per ad platform: the file's header row (none for a list that must
have none), how each column is normalised and whether it is hashed, and which
rows the platform could match at all. Each spec's comment names the platform's
documentation page it follows; where that page leaves a choice open, the comment
says which documented option we took and why.

Hashes are SHA-256 in lowercase hex (normalise.sha256_hex) unless a spec says
otherwise; empty values stay empty cells.
"""

from collections.abc import Callable
from dataclasses import dataclass

from crm.retargeting.normalise import (
    country_code,
    google_first_name,
    google_last_name,
    meta_name,
    meta_state,
    meta_zip,
    normalise_email,
    phone_digits,
    phone_e164,
    plain_text,
    sha256_hex,
)

# The lead fields a row may use (read with .values(), a dict per lead).
LEAD_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "company",
    "title",
    "city",
    "region",
    "postal_code",
    "country",
)


def _always(lead: dict) -> bool:
    return True


@dataclass(frozen=True)
class Format:
    name: str  # in the URL and the file name
    label: str  # on the audience page
    holds: str  # what the file holds, on the audience page
    headers: tuple[str, ...]  # () for a file without a header row
    row: Callable[[dict], list[str]]
    keeps: Callable[[dict], bool] = _always  # can the platform match this row at all?

    @property
    def url_name(self) -> str:
        return f"retargeting:{self.name}"


# Google Ads Customer Match, followed from "Format your customer data file"
# (support.google.com/google-ads/answer/7659867), "Formatting guidelines for
# uploading hashed data" (support.google.com/google-ads/answer/7476159) and, for
# each field, the Google Ads API reference (OfflineUserAddressInfo, UserIdentifier):
# - headers exactly "Email", "Phone", "First Name", "Last Name", "Country", "Zip";
# - Email: trimmed, lowercased, hashed. Gmail dots are kept: removing them is a
#   rule for enhanced conversions, not for Customer Match files;
# - Phone: E.164 with its "+" (+14155552671), hashed;
# - First Name: lowercased, no spaces before or after and single ones between, hashed;
# - Last Name: the same, without punctuation, hashed;
# - Country: the ISO 3166-1 alpha-2 code; Zip: the postal code as written, trimmed.
#   Both in plain text (Google does not take them hashed).
def _google_row(lead: dict) -> list[str]:
    return [
        sha256_hex(normalise_email(lead["email"])),
        sha256_hex(phone_e164(lead["phone"])),
        sha256_hex(google_first_name(lead["first_name"])),
        sha256_hex(google_last_name(lead["last_name"])),
        country_code(lead["country"]),
        lead["postal_code"].strip(),
    ]


GOOGLE = Format(
    "google",
    "Google Ads customer list",
    "hashed contacts; country and zip in plain text",
    ("Email", "Phone", "First Name", "Last Name", "Country", "Zip"),
    _google_row,
)


# Meta customer list custom audiences, followed from the Marketing API guide
# "Customer File Custom Audiences", section "Hashing and normalizing data"
# (developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences),
# with the identifiers Ads Manager's customer list file takes as headers ("How to
# format a customer list when creating a custom audience", Meta Business Help Centre):
# - headers exactly "email", "phone", "fn", "ln", "ct", "st", "zip", "country";
# - every value hashed;
# - email: trimmed, lowercased;
# - phone: digits only with the country code, no "+" or leading zeros (14155552671);
# - fn, ln: lowercased letters only (no punctuation, no spaces; letters outside
#   a-z kept, hashed as UTF-8);
# - ct: the city the same way;
# - st: a US state as its two-letter code, lowercased; elsewhere letters only;
# - zip: lowercased without spaces; in the US the first 5 digits; in the UK the
#   area, district and sector (SW1A 1AA → sw1a1);
# - country: the ISO 3166-1 alpha-2 code, lowercased.
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


META = Format(
    "meta",
    "Meta custom audience",
    "everything hashed",
    ("email", "phone", "fn", "ln", "ct", "st", "zip", "country"),
    _meta_row,
)


# X (Twitter) tailored audiences, "List Custom Audiences" in the X Business help
# (business.x.com/en/help/campaign-setup/campaign-targeting/custom-audiences/lists)
# for the file, and "Custom Audiences User Data" in the X Ads API documentation
# (developer.x.com/en/docs/x-ads-api/audiences/overview/user-data) for normalising
# and hashing a pre-hashed file:
# - a .csv of identifiers, one a line; X asks at upload which identifier type each
#   column holds, so no header row is needed, and we write none so that every
#   line is an identifier ("the data for each line must be hashed");
# - email: lowercased, leading and trailing spaces removed, then SHA-256 without a
#   salt, the hash in lowercase hex.
# Pre-hashing is optional on X (it hashes plain values on upload); we hash, the
# documented option that keeps addresses out of the file. Phone numbers are left
# out: X lists them as an identifier but "Custom Audiences User Data" documents no
# normalisation for them, and a phone hashed in a form X does not use matches
# nobody. So the file is one column of hashed emails, and a member without an
# email is not in it. (X @usernames and user ids are the other documented
# identifiers; we do not record them.)
def _x_row(lead: dict) -> list[str]:
    return [sha256_hex(normalise_email(lead["email"]))]


def _has_email(lead: dict) -> bool:
    return bool(lead["email"].strip())


X = Format("x", "X (Twitter) tailored audience", "hashed emails", (), _x_row, keeps=_has_email)


# LinkedIn matched audiences, contact list: "Requirements for contact targeting
# lists in Campaign Manager" (LinkedIn Help, linkedin.com/help/lms/answer/a1489764)
# and the template it links, LinkedIn_Ads_Contact_Match_Template.csv:
# - headers exactly "email", "firstname", "lastname", "jobtitle",
#   "employeecompany", "country", "googleaid" ("don't change or remove the
#   headers"); any field may be blank;
# - a row matches on an email, or on a first and last name (with the company and
#   title helping), or on a Google advertising id; rows with none of these are
#   left out;
# - email: plain or SHA-256 hashed are both accepted. We hash, the documented
#   option that keeps addresses out of the file: SHA-256 in lowercase hex (the
#   form LinkedIn's DMP Segment Users API names SHA256_EMAIL). The page does not
#   spell out normalising before hashing; we trim and lowercase, as every other
#   platform here asks, so that an address typed in capitals can still match;
# - firstname, lastname, jobtitle, employeecompany: plain text, trimmed with
#   single spaces (the template documents no hashed form for them);
# - country: the ISO 3166-1 alpha-2 code ("US");
# - googleaid: blank, as we hold no advertising ids.
def _linkedin_row(lead: dict) -> list[str]:
    return [
        sha256_hex(normalise_email(lead["email"])),
        plain_text(lead["first_name"]),
        plain_text(lead["last_name"]),
        plain_text(lead["title"]),
        plain_text(lead["company"]),
        country_code(lead["country"]),
        "",
    ]


def _linkedin_matchable(lead: dict) -> bool:
    has_name = plain_text(lead["first_name"]) and plain_text(lead["last_name"])
    return _has_email(lead) or bool(has_name)


LINKEDIN = Format(
    "linkedin",
    "LinkedIn matched audience (contact list)",
    "hashed emails; names, titles and companies in plain text",
    ("email", "firstname", "lastname", "jobtitle", "employeecompany", "country", "googleaid"),
    _linkedin_row,
    keeps=_linkedin_matchable,
)


# AdRoll CRM audience, "CRM Audience" / "Static CRM Audience" in the AdRoll Help
# Center (help.adroll.com/hc/en-us/articles/211845528):
# - a .csv with all emails in a single column, nothing else, no heading, no empty
#   rows;
# - email addresses "in a valid format".
# The page documents plain addresses only. A hashed form (MD5 of the trimmed,
# lowercased address) is documented for RollWorks, NextRoll's other product, not
# for AdRoll; a hash AdRoll does not expect would match nobody, so we take the
# documented option: the address itself, trimmed and lowercased. This file is the
# one that holds addresses in plain text; it is served like the others (managers
# only, not cached). A member without an email is not in it.
def _adroll_row(lead: dict) -> list[str]:
    return [normalise_email(lead["email"])]


ADROLL = Format(
    "adroll",
    "AdRoll CRM audience",
    "email addresses in plain text",
    (),
    _adroll_row,
    keeps=_has_email,
)


FORMATS = {fmt.name: fmt for fmt in (GOOGLE, META, X, LINKEDIN, ADROLL)}
