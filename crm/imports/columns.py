"""Recognising the columns of an imported lead list, and saying why.

Badge scanners, event platforms and people typing a spreadsheet all name the same
column differently ("E-Mail-Adresse", "Cell Phone", "Attendee First Name"). A
known export (crm.imports.vendors) is recognised by its headings and mapped as
its vendor names its columns; other headings are looked up in an alias table,
then a few rules, and the first data rows are evidence too (a column of numbers
is no name, a column of addresses is email). Every column gets a reason in plain
words, shown beside it on the mapping page, so a guess is either clearly right
or plainly left for the manager to map.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from crm.imports.vendors import VENDOR_LAYOUTS, VendorLayout

# The lead fields a column can be mapped to, with the label managers see.
FIELDS = {
    "email": "Email",
    "phone": "Phone",
    "name_prefix": "Name prefix (Dr., Ms)",
    "first_name": "First name",
    "last_name": "Last name",
    "name_suffix": "Name suffix (Jr., PhD)",
    "full_name": "Full name",
    "company": "Company",
    "title": "Job title",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "City",
    "region": "State / region",
    "postal_code": "Postal code",
    "country": "Country",
    "notes": "Notes",
    "rating": "Rating",
    "scanned_at": "Scan time",
}

# People give several numbers (mobile, work) and addresses (work, personal): the
# first usable one is the lead's, the others are kept as its other contacts. Every
# other field comes from one column.
REPEATABLE_FIELDS = frozenset({"phone", "email"})

# Headings as normalise_heading writes them, including common German and French ones.
_FIELD_ALIASES = {
    "email": (
        "email",
        "e mail",
        "email address",
        "mail",
        "mail address",
        "e mail adresse",
        "courriel",
    ),
    "phone": (
        "phone",
        "phone number",
        "cell phone",
        "mobile",
        "mobile phone",
        "mobile number",
        "work phone",
        "telephone",
        "telephone number",
        "tel",
        "direct dial",
        "direct line",
        "telefon",
        "telefonnummer",
        "handy",
        "portable",
    ),
    "name_prefix": (
        "salutation",
        "prefix",
        "name prefix",
        "honorific",
        "honorific prefix",
        "anrede",
        "civilite",
    ),
    "name_suffix": ("suffix", "name suffix", "honorific suffix", "generational suffix"),
    "first_name": ("first name", "given name", "first", "forename", "fname", "vorname", "prenom"),
    "last_name": (
        "last name",
        "surname",
        "family name",
        "last",
        "lname",
        "nachname",
        "nom",
        "nom de famille",
    ),
    "full_name": (
        "name",
        "full name",
        "attendee",
        "attendee name",
        "contact",
        "contact name",
        "person",
        "ansprechpartner",
        "nom complet",
    ),
    "company": (
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "org",
        "employer",
        "account",
        "account name",
        "firma",
        "unternehmen",
        "societe",
        "entreprise",
    ),
    "title": ("title", "job title", "position", "role", "job", "job role", "designation"),
    "address_line1": (
        "address",
        "street",
        "address 1",
        "address line 1",
        "street address",
        "street 1",
        "street address 1",
        "addr",
        "addr 1",
        "strasse",
        "adresse",
    ),
    "address_line2": (
        "address 2",
        "address line 2",
        "street 2",
        "street address 2",
        "addr 2",
        "suite",
        "apt",
        "apartment",
    ),
    "city": ("city", "town", "city town", "locality", "ort", "stadt", "ville"),
    "region": (
        "state",
        "region",
        "province",
        "county",
        "state province",
        "province state",
        "state region",
        "state prov",
        "state province region",
        "bundesland",
    ),
    "postal_code": (
        "zip",
        "zip code",
        "postal code",
        "postcode",
        "post code",
        "zip postal code",
        "postal zip code",
        "plz",
        "postleitzahl",
        "code postal",
    ),
    "country": ("country", "country region", "nation", "land", "pays", "country name"),
    "notes": (
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "remark",
        "memo",
        "notizen",
        "bemerkungen",
        "anmerkungen",
        "commentaires",
        "description",
    ),
    "rating": ("rating", "lead rating", "score", "temperature", "interest level"),
    "scanned_at": (
        "scan date",
        "scan time",
        "scan date time",
        "scan timestamp",
        "scanned",
        "scanned at",
        "scanned on",
        "date scanned",
        "time scanned",
        "capture date",
        "captured at",
        "date captured",
        "lead capture date",
    ),
}

# Keyed without spaces, so "Firstname", "first_name" and "First Name" meet.
_ALIASES = {
    alias.replace(" ", ""): field for field, aliases in _FIELD_ALIASES.items() for alias in aliases
}

# Leading qualifiers that say whose the value is, rather than which of theirs.
_WHOSE = frozenset(
    {
        "attendee",
        "contact",
        "lead",
        "visitor",
        "registrant",
        "participant",
        "delegate",
        "guest",
        "customer",
        "badge",
        "your",
        "rep",
        "staff",
        "scanner",
        "exhibitor",
    }
)
# Words that qualify a heading without changing its field: "Attendee First Name",
# "Mailing City", "Phone (optional)", "Rep Notes".
_LEADING_QUALIFIERS = _WHOSE | frozenset(
    {
        "primary",
        "main",
        "work",
        "business",
        "personal",
        "home",
        "private",
        "company",
        "organization",
        "organisation",
        "office",
        "mailing",
        "postal",
        "billing",
        "shipping",
        "booth",
    }
)
_TRAILING_QUALIFIERS = frozenset(
    {"optional", "required", "work", "home", "personal", "business", "private", "primary", "main"}
)

# Words naming something about an email or phone other than the address or number
# itself: "Email opt-in", "Phone type", "Phone extension".
_NOT_THE_CONTACT_ITSELF = frozenset(
    {
        "opt",
        "optin",
        "optout",
        "opted",
        "consent",
        "permission",
        "subscribed",
        "unsubscribed",
        "subscription",
        "bounced",
        "bounce",
        "verified",
        "valid",
        "status",
        "date",
        "time",
        "type",
        "ext",
        "extension",
        "fax",
        "code",
        "count",
        "sent",
        "opened",
        "clicked",
        "preference",
        "preferences",
        "allowed",
        "domain",
    }
)
_PHONE_WORDS = frozenset(
    {
        "phone",
        "phones",
        "tel",
        "telephone",
        "mobile",
        "mobil",
        "cell",
        "cellular",
        "telefon",
        "telefonnummer",
        "telefono",
        "handy",
        "portable",
        "gsm",
    }
)
_POSTAL_CODE_WORDS = frozenset({"zip", "zipcode", "postcode", "plz", "postleitzahl"})

# A single recognised heading only makes a header row when it names one of these.
_KEY_FIELDS = frozenset({"email", "phone", "full_name"})

# Headings hold few digits ("Address 2"); values hold many (phones, postcodes, dates).
_VALUE_MIN_DIGITS = 5

_NAME_FIELDS = frozenset({"full_name", "first_name", "last_name"})
_ABOUT_THE_VISIT = frozenset({"notes", "rating", "scanned_at"})
# The data rows read as evidence at upload: enough to judge a column, few enough to be instant.
GUESS_SAMPLE_ROWS = 20
KEPT = "kept with each booth visit"
NO_KNOWN_HEADING = f"no heading we know: {KEPT}"
NO_HEADING = f"no heading: {KEPT}"
VALUES_ARE_EMAILS = "its values are email addresses"
VALUES_ARE_IDS = "not a name: its values are numbers or ids"

# Words naming a person other than the one on the row: "Scanned By", "Contact owner",
# "Scanner Email", "Assistant Phone". Their emails and numbers are not the lead's, but
# what they say about the visit is ("Rep notes", "Staff rating").
_SOMEONE_ELSE = frozenset(
    {
        "by",
        "owner",
        "owners",
        "scanner",
        "staff",
        "rep",
        "salesperson",
        "agent",
        "assignee",
        "assigned",
        "assistant",
        "emergency",
        "exhibitor",
        "sponsor",
        "referrer",
        "host",
    }
)
# "Attendee #" (whose "#" reads as "number"), "Attendee No.", "Badge ID", "Ticket Nr".
_NUMBER_WORDS = frozenset({"number", "no", "nr", "num"})
_IDENTIFIER_WORDS = _NUMBER_WORDS | frozenset({"id", "ids", "uuid", "code", "barcode", "key"})
# What an identifier column can number that a name column could be mistaken for.
_PEOPLE_RECORDS = frozenset(
    {
        "attendee",
        "registrant",
        "participant",
        "visitor",
        "delegate",
        "guest",
        "customer",
        "contact",
        "lead",
        "member",
        "person",
        "badge",
        "ticket",
        "order",
        "registration",
        "confirmation",
        "record",
        "booking",
    }
)
# Longer headings are questions or consent texts ("I agree to receive emails from …"):
# a word like "email" in them says nothing about what the column holds.
_MAX_RULE_WORDS = 6
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


def normalise_heading(text: str) -> str:
    """Lowercase, accents removed, every run of other characters a single space.

    "E-Mail Address " becomes "e mail address". Saved mappings are keyed by it.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", without_accents.casefold()).strip()


def guess_field(heading: str) -> str:
    """The lead field a column heading names, or "" when we cannot tell."""
    return _heading_guess(heading)[0]


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


def looks_like_header(cells: list[str]) -> bool:
    """Whether a row holds column headings rather than a title or a lead.

    It does when at least two of its cells name different fields; when one cell
    plainly names the email or phone column, beside headings we don't know
    ("Email, Badge ID"); or when its only cell names an email, phone or name
    column (a one-column list). A row with a value in it (an @, a phone number,
    a date) never does.
    """
    texts = [cell.strip() for cell in cells if cell and cell.strip()]
    if not texts or any(_looks_like_value(text) for text in texts):
        return False
    named = [_alias_field(_heading_words(text)) for text in texts]
    if len(texts) == 1:
        return named[0] in _KEY_FIELDS
    return len({guess_field(text) for text in texts} - {""}) >= 2 or bool(
        {"email", "phone"} & set(named)
    )


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
    words = _heading_words(heading)
    field, reason = _heading_guess(heading)
    if (field and field not in _NAME_FIELDS) or _names_someone_else(words):
        return field, reason
    if _all_emails(values):
        return "email", VALUES_ARE_EMAILS
    identifier = _identifier_reason(heading, words)
    if identifier:
        return "", identifier
    if field and _mostly_identifiers(values):
        return "", VALUES_ARE_IDS
    return field, reason


def _heading_guess(heading: str) -> tuple[str, str]:
    """(field, why) from the heading alone; ("", why not) when it names none."""
    tokens = _heading_tokens(heading)
    words = _words(tokens)
    shown = heading.strip()
    if not words:
        return "", NO_HEADING
    field, reason = _named_field(shown, tokens, words)
    if _names_someone_else(words) and field not in _ABOUT_THE_VISIT:
        return "", f"“{shown}” is about someone other than the person on the row: {KEPT}"
    return field, reason


def _named_field(shown: str, tokens: list[str], words: list[str]) -> tuple[str, str]:
    field, leading, trailing = _alias_match(words)
    if field:
        return field, _alias_reason(shown, field, tokens, words, leading, trailing)
    if len(words) > _MAX_RULE_WORDS or shown.endswith("?"):
        return "", f"“{shown}” reads as a question: its answers are {KEPT}"
    return _rule_guess(shown, words)


def _alias_reason(
    shown: str, field: str, tokens: list[str], words: list[str], leading: int, trailing: int
) -> str:
    reason = f"“{shown}” is a usual heading for {FIELDS[field]}"
    shown_words = tokens if len(tokens) == len(words) else words
    if leading:
        whose = all(word in _WHOSE for word in words[:leading])
        says = "only says whose" if whose else "only says which one"
        reason += f": “{' '.join(shown_words[:leading])}” {says}"
    if trailing:
        reason += f": “{' '.join(shown_words[-trailing:])}” only qualifies it"
    return reason


def _rule_guess(shown: str, words: list[str]) -> tuple[str, str]:
    if any(word in _POSTAL_CODE_WORDS for word in words):
        return "postal_code", f"“{shown}” mentions a postal code"
    mentions_email = bool(re.search(r"\be ?mail", " ".join(words)))
    # Whole words only, so "Hotel" and "Title" are not phones.
    mentions_phone = any(word in _PHONE_WORDS or word.endswith("phone") for word in words)
    if not (mentions_email or mentions_phone):
        return "", NO_KNOWN_HEADING
    if any(word in _NOT_THE_CONTACT_ITSELF for word in words):
        return "", f"“{shown}” says something about the contact, not the contact itself: {KEPT}"
    if mentions_email:
        return "email", f"“{shown}” mentions an email address"
    return "phone", f"“{shown}” mentions a phone"


def _identifier_reason(heading: str, words: list[str]) -> str:
    """Why a heading like "Attendee #", "Badge ID" or "Registration number" is not a
    name (nor any field); "" for other headings."""
    marks = [word for word in words if word in _IDENTIFIER_WORDS]
    if not marks:
        return ""
    shown = heading.strip()
    things = [word for word in words if word not in _IDENTIFIER_WORDS]
    if not things:
        return f"not a name: “{shown}” is a number or an identifier"
    if not all(thing in _PEOPLE_RECORDS for thing in things):
        return f"“{shown}” is a number or an identifier: {KEPT}"
    verb = "numbers" if marks[0] in _NUMBER_WORDS else "identifies"
    named = " ".join([*things[:-1], "people" if things[-1] == "person" else things[-1] + "s"])
    return f"not a name: “{shown}” {verb} {named}"


def _heading_tokens(heading: str) -> list[str]:
    # "FirstName" and "EmailOptIn" are words run together, not one word; "#" is "number".
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", heading.replace("#", " number "))
    return re.findall(r"[^\W_]+", spaced)


def _words(tokens: list[str]) -> list[str]:
    return [word for token in tokens for word in normalise_heading(token).split()]


def _heading_words(heading: str) -> list[str]:
    return _words(_heading_tokens(heading))


def _layout_key(heading: str) -> str:
    return normalise_heading(heading.replace("#", " number "))


def _alias_match(words: list[str]) -> tuple[str, int, int]:
    """(field, qualifier words dropped in front, behind) of the alias the heading is,
    once qualifiers are set aside: "Attendee First Name" -> ("first_name", 1, 0)."""
    start, end = 0, len(words)
    while start < end:
        field = _ALIASES.get("".join(words[start:end]), "")
        if field:
            return field, start, len(words) - end
        if end - start == 1:
            return _run_together_alias(words[start]), start, len(words) - end
        if words[start] in _LEADING_QUALIFIERS:
            start += 1
        elif words[end - 1] in _TRAILING_QUALIFIERS:
            end -= 1
        else:
            return "", 0, 0
    return "", 0, 0


def _run_together_alias(word: str) -> str:
    # Data Loader and database exports write "MAILINGCITY", "HOMEPHONE".
    for qualifier in _LEADING_QUALIFIERS:
        if word.startswith(qualifier) and word[len(qualifier) :] in _ALIASES:
            return _ALIASES[word[len(qualifier) :]]
    return ""


def _alias_field(words: list[str]) -> str:
    return _alias_match(words)[0]


def _names_someone_else(words: list[str]) -> bool:
    return any(word in _SOMEONE_ELSE for word in words)


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


def _looks_like_value(text: str) -> bool:
    return "@" in text or sum(char.isdigit() for char in text) >= _VALUE_MIN_DIGITS


_LAYOUT_SIGNATURES = [
    (layout, frozenset(_layout_key(heading) for heading in layout.signature))
    for layout in VENDOR_LAYOUTS
]
_LAYOUT_COLUMNS = {
    layout.name: {_layout_key(heading): column for heading, column in layout.columns.items()}
    for layout in VENDOR_LAYOUTS
}
