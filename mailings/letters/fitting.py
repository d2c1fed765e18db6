"""Choose a font size so that address lines fit a fixed box.

The window of an envelope and a label are fixed rectangles; what does not fit them is
cut off (the boxes hide overflow) and lost. So the size is chosen here, before
rendering, from a conservative estimate of each line's width in DejaVu Sans: the
estimate is never narrower than the real text, so the real text always fits.
"""

import math
import unicodedata
from dataclasses import dataclass

# The sizes a box may use, largest first; the stylesheet has one class per size.
SIZES = (12.0, 11.0, 10.0, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
LINE_HEIGHT = 1.2  # in em; also in the stylesheet
_ROUNDING = 1e-6  # 5 rows of 10 pt at 1.2 make 60.000000000000014

# Advance widths in em, rounded up from DejaVu Sans: "Œ" 1.07, "W" 0.99, other capitals
# under 0.79, lowercase and digits under 0.64, narrow punctuation under 0.42.
_WIDE = set("MWmw@%&#+<=>^~ÆŒæœ…—")
_NARROW = set(" .,:;'!|/\\-()[]ilIjJft")
_SPACE_WIDTH = 0.32


@dataclass(frozen=True)
class Fit:
    size: float  # font size in pt
    rows: int  # printed rows after wrapping, at most (the estimate is conservative)
    fits: bool  # False when even the smallest size overflows the box

    @property
    def css_class(self) -> str:
        return size_class(self.size)

    @property
    def height(self) -> float:
        return self.rows * self.size * LINE_HEIGHT


def size_class(size: float) -> str:
    return f"fs-{round(size * 10)}"


def fit_lines(
    lines: list[str],
    *,
    width: float,
    height: float,
    largest: float = 11.0,
    readable: float = 8.0,
    smallest: float = 5.0,
) -> Fit:
    """The largest size at which `lines` fit a box `width` wide and `height` high (points).

    One printed row per line is preferred down to `readable` (a wrapped street line
    confuses the post office's address reader); then lines wrap at spaces, shrinking
    down to `smallest`; a word wider than the box is broken only as the last resort."""
    sizes = [size for size in SIZES if smallest <= size <= largest]
    unwrapped = [size for size in sizes if size >= readable]
    for size in unwrapped:
        if all(text_width(line, size) <= width for line in lines):
            fit = Fit(size, len(lines), True)
            if fit.height <= height + _ROUNDING:
                return fit
    for break_words in (False, True):
        for size in sizes:
            rows = [wrapped_rows(line, size, width, break_words=break_words) for line in lines]
            fit = Fit(size, sum(rows), True)
            if all(rows) and fit.height <= height + _ROUNDING:
                return fit
    rows = sum(wrapped_rows(line, sizes[-1], width) for line in lines)
    return Fit(sizes[-1], rows, False)


def text_width(text: str, size: float) -> float:
    """An upper bound of the width of `text` set in DejaVu Sans at `size` pt."""
    return sum(_char_width(char) for char in text) * size


def wrapped_rows(line: str, size: float, width: float, *, break_words: bool = True) -> int:
    """How many rows `line` takes when it wraps at spaces, and inside a word wider than
    the box (as overflow-wrap: break-word does); 0 when such a word may not break."""
    rows, used = 1, 0.0
    space = _SPACE_WIDTH * size
    for word in line.split():
        word_width = text_width(word, size)
        if word_width > width and not break_words:
            return 0
        if used and used + space + word_width <= width:
            used += space + word_width
            continue
        if used:
            rows += 1
        rows += math.ceil(word_width / width) - 1 if word_width > width else 0
        used = word_width % width if word_width > width else word_width
    return rows


def _char_width(char: str) -> float:
    if char in _WIDE:
        return 1.1
    if char in _NARROW:
        return _SPACE_WIDTH if char == " " else 0.42
    base = unicodedata.normalize("NFD", char)[0]
    if base.isascii() and base.isalnum():
        return 0.79 if base.isupper() else 0.64
    # Anything else may be a wide symbol or come from a fallback font.
    return 1.1
