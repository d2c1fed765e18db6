"""Reading one column heading: the lead field it names, or none, and why, in
plain words (an alias once qualifiers are set aside, then a few rules), and
whether a row is a header row at all."""

import re
import unicodedata

from crm.imports.fields import ALIASES, FIELDS

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

_ABOUT_THE_VISIT = frozenset({"notes", "rating", "scanned_at"})

KEPT = "kept with each booth visit"
NO_KNOWN_HEADING = f"no heading we know: {KEPT}"
NO_HEADING = f"no heading: {KEPT}"

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


def normalise_heading(text: str) -> str:
    """Lowercase, accents removed, every run of other characters a single space.

    "E-Mail Address " becomes "e mail address". Saved mappings are keyed by it.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", without_accents.casefold()).strip()


def guess_field(heading: str) -> str:
    """The lead field a column heading names, or "" when we cannot tell."""
    return heading_guess(heading)[0]


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
    named = [_alias_field(heading_words(text)) for text in texts]
    if len(texts) == 1:
        return named[0] in _KEY_FIELDS
    return len({guess_field(text) for text in texts} - {""}) >= 2 or bool(
        {"email", "phone"} & set(named)
    )


def heading_guess(heading: str) -> tuple[str, str]:
    """(field, why) from the heading alone; ("", why not) when it names none."""
    tokens = _heading_tokens(heading)
    words = _words(tokens)
    shown = heading.strip()
    if not words:
        return "", NO_HEADING
    field, reason = _named_field(shown, tokens, words)
    if names_someone_else(words) and field not in _ABOUT_THE_VISIT:
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


def identifier_reason(heading: str, words: list[str]) -> str:
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


def heading_words(heading: str) -> list[str]:
    return _words(_heading_tokens(heading))


def _alias_match(words: list[str]) -> tuple[str, int, int]:
    """(field, qualifier words dropped in front, behind) of the alias the heading is,
    once qualifiers are set aside: "Attendee First Name" -> ("first_name", 1, 0)."""
    start, end = 0, len(words)
    while start < end:
        field = ALIASES.get("".join(words[start:end]), "")
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
        if word.startswith(qualifier) and word[len(qualifier) :] in ALIASES:
            return ALIASES[word[len(qualifier) :]]
    return ""


def _alias_field(words: list[str]) -> str:
    return _alias_match(words)[0]


def names_someone_else(words: list[str]) -> bool:
    return any(word in _SOMEONE_ELSE for word in words)


def _looks_like_value(text: str) -> bool:
    return "@" in text or sum(char.isdigit() for char in text) >= _VALUE_MIN_DIGITS
