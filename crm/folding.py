"""Accent- and case-insensitive text for the lead search: "Jose Garcia" finds
"José García", "Muller" finds "Müller", "Orsted" finds "Ørsted", and the other
way round.

Why a function of the column rather than a stored folded column: a stored copy
would have to be written by every path that writes a name (the services, the
booth-list import's bulk writes, crm.bulk, merges, the admin), and a path that
forgot would make a lead unfindable without anyone noticing. A function of the
column is never stale. The search stays fast at a million leads because on
PostgreSQL the function is IMMUTABLE, so each searched column has a trigram
index on crm_fold(column) that serves LIKE '%word%' (migration
0017_lead_search_accents), as 0009's UPPER() indexes did.

- PostgreSQL: crm_fold(text) = lower(unaccent(text)). unaccent is STABLE (its
  rules file could change), which an index may not use; the wrapper, with the
  dictionary and the function named with their schema, is IMMUTABLE, the
  usual way to index unaccent. unaccent folds accents and the letters that have
  no decomposition (ø→o, ß→ss, æ→ae, ł→l, đ→d, œ→oe, þ→th) and ligatures.
- SQLite: crm_fold is fold() below, registered on every connection.

The searched word goes through the same crm_fold in the query, so on each
database the word and the column are folded by one function: the two can never
disagree about a letter.
"""

import unicodedata

from django.db.backends.signals import connection_created

SQL_FUNCTION = "crm_fold"

# Letters with a stroke or ligatures: NFKD leaves them whole (they have no
# decomposition), unaccent's rules spell them as these.
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "\u0131": "i",  # dotless i
    }
)


def fold(text: str | None) -> str | None:
    """The text without accents, in lower case: "Ørsted Müller" is "orsted muller"."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, fold, deterministic=True)


def connect() -> None:
    """Give every new SQLite connection crm_fold (PostgreSQL has it from a migration)."""
    connection_created.connect(register_sqlite_function, dispatch_uid="crm_fold")
