"""Recognising the columns of an imported lead list.

Badge scanners, event platforms and people typing a spreadsheet all name the same
column differently ("E-Mail-Adresse", "Cell Phone", "Attendee First Name"). We
look headings up in an alias table first and fall back on a few rules, so a
guess is either clearly right or left for the manager to map.
"""

import re
import unicodedata

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

# Words that qualify a heading without changing its field: "Attendee First Name",
# "Mailing City", "Phone (optional)".
_LEADING_QUALIFIERS = frozenset(
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
        "your",
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

_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
_SURNAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "da",
        "di",
        "du",
        "la",
        "le",
        "dos",
        "das",
        "ter",
        "ten",
        "bin",
        "al",
    }
)


def normalise_heading(text: str) -> str:
    """Lowercase, accents removed, every run of other characters a single space.

    "E-Mail Address " becomes "e mail address". Saved mappings are keyed by it.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", without_accents.casefold()).strip()


def guess_field(heading: str) -> str:
    """The lead field a column heading names, or "" when we cannot tell."""
    words = _heading_words(heading)
    return _alias_field(words) or _rule_field(words)


def guess_mapping(header: list[str], saved: dict[str, str] | None = None) -> dict[int, str]:
    """Column index -> field for every column that maps to a field.

    `saved` is what a manager chose for this source before ({normalised heading:
    field}, "" to ignore the column); it is applied before any guess so a guess
    never takes a field the manager gave to another column. Only phone may come
    from several columns; otherwise the first column claiming a field gets it.
    """
    saved = saved or {}
    keys = [normalise_heading(heading) for heading in header]
    remembered = {index: saved[key] for index, key in enumerate(keys) if key and key in saved}
    mapping: dict[int, str] = {}
    for index, field in remembered.items():
        _claim(mapping, index, field)
    for index, heading in enumerate(header):
        if index not in remembered:
            _claim(mapping, index, guess_field(heading))
    return dict(sorted(mapping.items()))


def split_full_name(text: str) -> tuple[str, str]:
    """(first name, last name) from a whole name.

    "Mary Ann Smith-Jones" -> ("Mary Ann", "Smith-Jones"); "Smith, Mary" ->
    ("Mary", "Smith"); "Cher" -> ("Cher", ""). The last name keeps its particles
    and suffix: "Ludwig van Beethoven" -> ("Ludwig", "van Beethoven"), "John Smith
    Jr." -> ("John", "Smith Jr.").
    """
    name = " ".join(text.split())
    last, comma, first = name.partition(",")
    if comma and first.strip() and not _is_name_suffix(first):
        return " ".join(first.split()), last.strip()
    words = name.replace(",", " ").split()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    cut = len(words) - 1
    if cut >= 2 and _is_name_suffix(words[-1]):
        cut -= 1
    while cut > 1 and words[cut - 1].casefold() in _SURNAME_PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


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


def _heading_words(heading: str) -> list[str]:
    # "FirstName" and "EmailOptIn" are words run together, not one word.
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", heading)
    return normalise_heading(spaced).split()


def _alias_field(words: list[str]) -> str:
    while words:
        field = _ALIASES.get("".join(words), "")
        if field:
            return field
        if words[0] in _LEADING_QUALIFIERS:
            words = words[1:]
        elif words[-1] in _TRAILING_QUALIFIERS:
            words = words[:-1]
        else:
            return ""
    return ""


def _rule_field(words: list[str]) -> str:
    if any(word in _POSTAL_CODE_WORDS for word in words):
        return "postal_code"
    if any(word in _NOT_THE_CONTACT_ITSELF for word in words):
        return ""
    if re.search(r"\be ?mail", " ".join(words)):
        return "email"
    # Whole words only, so "Hotel" and "Title" are not phones.
    if any(word in _PHONE_WORDS or word.endswith("phone") for word in words):
        return "phone"
    return ""


def _claim(mapping: dict[int, str], index: int, field: str) -> None:
    if field in FIELDS and (field in REPEATABLE_FIELDS or field not in mapping.values()):
        mapping[index] = field


def _looks_like_value(text: str) -> bool:
    return "@" in text or sum(char.isdigit() for char in text) >= _VALUE_MIN_DIGITS


def _is_name_suffix(word: str) -> bool:
    return word.strip(" .,").casefold() in _NAME_SUFFIXES
