"""Which text encoding a CSV file is in, and the names managers know encodings by.

Lists reach us from Excel on Windows (cp1252, or UTF-8 with a BOM from "CSV
UTF-8"), Excel's "Unicode Text" (UTF-16 with a BOM, tab-separated), Excel for
Mac's "CSV (Macintosh)" (Mac Roman, lines ending in a bare CR), and web tools
(UTF-8). What the file says of itself decides first: a byte order mark, or the
NUL bytes every other byte of UTF-16 text is. A file that is valid UTF-8 from
start to end is UTF-8 (a cp1252 or Mac Roman file with a single accented letter
is not). What is left is cp1252 or Mac Roman, which decode any byte and so must
be told apart by what the text says. charset-normalizer ranks the two on lines
that have accented letters. On a short list it often cannot tell them apart
(both readings of "Jürgen Groß" look clean to it, and it picks the first), so
the reading with fewer implausible characters wins: a letter whose case breaks
its word ("MŸller", "JosŽ", "RenÈe") or a symbol inside a word ("Gro§",
"S¯ren", "K‰rkk‰inen"). When both are equally plausible, lines ending in a bare CR
say Mac Roman, and otherwise charset-normalizer's ranking stands.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO, NamedTuple

from charset_normalizer import from_bytes


class Encoding(NamedTuple):
    name: str  # in a sentence: "Read as Mac Roman"
    label: str  # in a list to choose from


# Python's canonical codec names, in the order managers are offered them.
ENCODINGS = {
    "utf-8": Encoding("UTF-8", "Unicode (UTF-8)"),
    "utf-16": Encoding("UTF-16", "Unicode (UTF-16, Excel's Unicode Text)"),
    "cp1252": Encoding("Windows cp1252", "Windows (Western European, cp1252)"),
    "mac-roman": Encoding("Mac Roman", "Mac (Mac Roman)"),
    "iso8859-1": Encoding("Latin-1", "Latin-1 (ISO 8859-1)"),
    "iso8859-15": Encoding("Latin-9", "Latin-9 (ISO 8859-15, with €)"),
    "cp1250": Encoding("Windows cp1250", "Windows (Central European, cp1250)"),
}
# Spellings of a supported encoding that Python names apart.
_SAME_ENCODING = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}

CHUNK_BYTES = 1024 * 1024
SAMPLE_BYTES = 64 * 1024  # of lines with non-ASCII bytes, for telling cp1252 from Mac Roman
# Bytes that cp1252 leaves undefined; in Mac Roman they are Å ç è ê ù.
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
LINE_SPAN = 1024  # how far around a non-ASCII byte the sample looks for its line's ends
NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Detected between cp1252 and Mac Roman, as charset-normalizer names them.
_SINGLE_BYTE = {"cp1252": "cp1252", "mac_roman": "mac-roman"}

# Punctuation that may touch a word: typographic quotes and guillemets, Spanish
# ¿ and ¡, an apostrophe inside a word (O\u2019Brien) and marks after one (Acme™).
_OPENING = frozenset("\u2018\u201c\u00ab\u2039\u201e\u201a¿¡")
_CLOSING = frozenset("\u2019\u201d\u00bb\u203a\u2026™®©°")
_INSIDE = frozenset("\u2019")
# Letters nobody types in a name but misread bytes become: f with hook, the fi and
# fl ligatures, y with diaeresis and dotless i (which the other reading makes Ø and õ).
_RARE_LETTERS = frozenset("ƒ\ufb01\ufb02ÿ\u0131")


class UnknownEncoding(ValueError):
    """An encoding we don't read CSV files in."""


def supported_encoding(name: str) -> str:
    """The ENCODINGS key for any spelling of a supported encoding ("macintosh",
    "windows-1252", "UTF8", "latin_1"); UnknownEncoding otherwise."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        canonical = ""
    canonical = _SAME_ENCODING.get(canonical, canonical)
    if canonical not in ENCODINGS:
        known = ", ".join(ENCODINGS)
        raise UnknownEncoding(f"“{name}” is not an encoding we read; choose one of {known}.")
    return canonical


def encoding_name(encoding: str) -> str:
    """The name of a supported encoding in a sentence ("Mac Roman"); "" for none."""
    return ENCODINGS[encoding].name if encoding in ENCODINGS else encoding


def codec_for(encoding: str, head: bytes) -> str:
    """The Python codec that reads a file in the encoding: UTF-8 skips a BOM, and
    UTF-16 without a BOM takes its byte order from the NUL bytes."""
    if encoding == "utf-8":
        return "utf-8-sig"
    if encoding == "utf-16" and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return utf16_byte_order(head) or "utf-16-le"
    return encoding


def utf16_byte_order(head: bytes) -> str:
    """ "utf-16-le" or "utf-16-be" when the bytes are UTF-16 without a BOM, else "".

    Text in Latin scripts is mostly ASCII, so in UTF-16 nearly every character has
    a NUL byte, always on the same side; a binary file has NULs on both sides.
    """
    pairs = len(head) // 2
    if pairs < 4:
        return ""
    nul_even, nul_odd = head[: pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    if nul_odd >= 0.4 * pairs and nul_even <= 0.05 * pairs:
        return "utf-16-le"
    if nul_even >= 0.4 * pairs and nul_odd <= 0.05 * pairs:
        return "utf-16-be"
    return ""


def detect_encoding(data: BinaryIO, head: bytes) -> str:
    """The ENCODINGS key a CSV file is most likely in (see the module's docstring).

    Reads the whole file once, a chunk at a time, and leaves it at its start.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_byte_order(head):
        return "utf-16"
    evidence = _scan(data)
    if evidence.utf8:
        return "utf-8"
    if not evidence.cp1252:
        return "mac-roman"
    return _cp1252_or_mac_roman(bytes(evidence.sample), cr_only=_lines_end_in_bare_cr(head))


def _lines_end_in_bare_cr(head: bytes) -> bool:
    # A line break typed inside a cell is a bare LF even in Excel for Mac's files.
    return head.count(b"\r") - head.count(b"\r\n") > head.count(b"\n")


@dataclass
class _Evidence:
    """What one pass over a file's bytes says of their encoding."""

    utf8: bool = True
    cp1252: bool = True
    sample: bytearray = field(default_factory=bytearray)  # lines with non-ASCII bytes


def _scan(data: BinaryIO) -> _Evidence:
    evidence = _Evidence()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(partial(data.read, CHUNK_BYTES), b""):
            evidence.utf8 = evidence.utf8 and _decodes(decoder, chunk)
            if not chunk.isascii():
                # Five searches for one byte each (memchr) beat one regex scan tenfold.
                evidence.cp1252 = evidence.cp1252 and not any(
                    byte in chunk for byte in CP1252_UNDEFINED
                )
                _sample_lines(chunk, evidence.sample)
        evidence.utf8 = evidence.utf8 and _decodes(decoder, b"", final=True)
    finally:
        data.seek(0)
    return evidence


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _sample_lines(chunk: bytes, sample: bytearray) -> None:
    """Add the chunk's lines that have non-ASCII bytes to the sample, while it has room
    (a line longer than LINE_SPAN on either side of its first such byte is cut)."""
    end = 0
    for match in NON_ASCII_BYTE.finditer(chunk):
        if len(sample) >= SAMPLE_BYTES:
            return
        at = match.start()
        if at < end:
            continue
        low, high = max(at - LINE_SPAN, 0), min(at + LINE_SPAN, len(chunk))
        start = max(chunk.rfind(b"\n", low, at), chunk.rfind(b"\r", low, at), low - 1)
        end = min(_find(chunk, b"\n", at, high), _find(chunk, b"\r", at, high))
        sample += chunk[start + 1 : end] + b"\n"


def _find(chunk: bytes, byte: bytes, start: int, end: int) -> int:
    found = chunk.find(byte, start, end)
    return end if found < 0 else found


def _cp1252_or_mac_roman(sample: bytes, *, cr_only: bool) -> str:
    ranked = [
        _SINGLE_BYTE[match.encoding]
        for match in from_bytes(sample, cp_isolation=list(_SINGLE_BYTE))
        if match.encoding in _SINGLE_BYTE
    ]
    candidates = ranked or list(_SINGLE_BYTE.values())

    def verdict(encoding: str) -> tuple[int, bool, int]:
        implausible = implausible_characters(sample.decode(encoding))
        return implausible, not (cr_only and encoding == "mac-roman"), candidates.index(encoding)

    return min(candidates, key=verdict)


def implausible_characters(text: str) -> int:
    """How many of the text's non-ASCII characters no one would have typed there:
    letters whose case breaks their word, rare letters, symbols or punctuation
    inside a word or on the wrong side of one, control characters."""
    count = 0
    for match in NON_ASCII.finditer(text):
        at = match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        count += _is_implausible(match[0], before, after)
    return count


def _is_implausible(char: str, before: str, after: str) -> bool:
    if _is_letter(char):
        if char.isupper():
            # "JosŽ", "MŸller"; but not "ÆRØ" or "Ødegård"
            return before.islower() or (before.isupper() and after.islower())
        return char.islower() and before.isupper() and after.isupper()  # "SÿREN"
    if unicodedata.category(char) == "Cc":
        return True
    letter_before, letter_after = _is_letter(before), _is_letter(after)
    if letter_before and letter_after:
        return char not in _INSIDE
    if letter_before:
        return char not in _CLOSING
    if letter_after:
        return char not in _OPENING
    return False


def _is_letter(char: str) -> bool:
    # Modifier letters (a circumflex or tilde standing alone) are not letters of a word.
    return char.isalpha() and char not in _RARE_LETTERS and unicodedata.category(char) != "Lm"
