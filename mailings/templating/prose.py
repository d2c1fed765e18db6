"""Data as a person would write it in a sentence: a campaign's name mid-sentence,
a name typed in capitals, and the punctuation a merge field leaves behind.

Merge fields drop data into the middle of a manager's sentences: "at {{ campaign }}."
reads "at EXPO_2026." for an event imported as a code, "Dear JOSÉ," for a booth
list typed in capitals, and "at Acme Inc.." for a company that ends its name with
a full stop. These pure functions make each of them read as written by hand.
"""

import re

# Particles of surnames, written in lower case after a first name ("Anna van der
# Berg", "Ludwig van Beethoven", "Maria da Silva").
PARTICLES = frozenset(
    "van der den de del della di da das dos du la le von zu ten ter bin binti al el".split()  # noqa: SIM905
)
# Short words of a campaign's code that stay in lower case ("state_of_the_art").
SMALL_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to"})
# "MCDONALD" may be McDonald or Mcdonald, "MACHADO" is not MacHado: capitals that
# can't be read back safely stay as they were typed.
_AMBIGUOUS_START = re.compile(r"^(MC|MAC)", re.IGNORECASE)
_WORD_PARTS = re.compile("([-'\u2019])")
_LETTERS = re.compile(r"[^\W\d_]")
# A word without a vowel is initials ("TJ", "JR"): kept in capitals.
_VOWEL = re.compile(r"[AEIOUYÀ-ÆÈ-ÏÒ-ÖØ-Ý]", re.IGNORECASE)


def campaign_in_prose(name: str) -> str:
    """A campaign's name as it reads after "at" or "for": "EXPO_2026" -> "Expo 2026",
    "The Web Summit" -> "the Web Summit", "Expo 2026 booth" -> "Expo 2026"."""
    words = name.replace("_", " ").split()
    if "_" in name:  # a code ("EXPO_2026", "web_summit"): long words read as names
        words = [_code_word(word) for word in words]
    if words and words[0] == "The":
        words[0] = "the"
    if len(words) > 1 and words[-1].lower() == "booth":
        words.pop()
    return " ".join(words)


def _code_word(word: str) -> str:
    """A word of a campaign's code: "EXPO" -> "Expo", "summit" -> "Summit"; short
    words in capitals are acronyms ("CES", "AWS"), short ones in lower case small
    words ("of")."""
    if len(word) > 3 or (word.islower() and word not in SMALL_WORDS):
        return _capitalised(word)
    return word


def name_in_prose(name: str, *, surname: bool = False) -> str:
    """A person's name as written by hand: "JOSÉ GARCÍA" -> "José García", "O'NEILL"
    -> "O'Neill", "VAN DER BERG" -> "van der Berg" (a surname after a first name);
    initials stay in capitals ("TJ").
    Only a name typed all in capitals is changed ("McDonald", "de Vries" are kept),
    and not when a word could be read two ways ("MACHADO", "MCDONALD")."""
    name = " ".join(name.split())
    if not _all_capitals(name) or any(_AMBIGUOUS_START.match(word) for word in name.split()):
        return name
    words = [_capitalised(word) if _VOWEL.search(word) else word for word in name.split()]
    particles = range(len(words) - 1) if surname else range(1, len(words) - 1)
    for index in particles:
        if words[index].lower() in PARTICLES:
            words[index] = words[index].lower()
    return " ".join(words)


def _all_capitals(text: str) -> bool:
    letters = _LETTERS.findall(text)
    return len(letters) > 1 and all(letter.isupper() for letter in letters)


def _capitalised(word: str) -> str:
    """Each part of "JEAN-PIERRE" or "O'NEILL" with a capital."""
    return "".join(part.capitalize() for part in _WORD_PARTS.split(word))


# Tidying rendered HTML: text between tags only, never inside a tag.
_TAG = re.compile(r"(<[^>]*>)")
_SPACE_BEFORE_MARK = re.compile(r"[ \t]+([,.;:!?])(?!\w)")
_WORD_TWICE = re.compile(r"\b(the|a|an|at|of|to|for)\s+\1\b", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
# A full stop after a name that ends in one ("Inc.", "Yahoo!"), perhaps with tags
# between them; an ellipsis ("...") is left alone.
_STOP_AFTER_MARK = re.compile(r"(?<=\w)([.!?])((?:\s*<[^>]+>\s*)*)\.(?![.\w])")
# "Dear ," where the name was empty and the template gave no fallback.
_NAMELESS_DEAR = re.compile(r"\bDear\s*,")


def prose_tidied(html: str) -> str:
    """Rendered letter HTML with the marks merge fields leave behind mended: "Inc.."
    and "Yahoo!." lose the second full stop, "Dear ," and "at ." lose the space
    before the mark, "Dear ," greets a friend, "the the" is said once, and runs of
    spaces are one."""
    html = _STOP_AFTER_MARK.sub(r"\1\2", html)
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):  # even parts are text, odd ones tags
        text = _NAMELESS_DEAR.sub("Dear friend,", parts[index])
        text = _SPACE_BEFORE_MARK.sub(r"\1", text)
        text = _WORD_TWICE.sub(r"\1", text)
        parts[index] = _SPACES.sub(" ", text)
    return "".join(parts)
