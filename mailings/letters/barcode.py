"""A letter's reference as a Code 39 barcode, so that a handheld scanner reads it
off a letter that came back and types it into the mailroom's page.

Code 39 needs no check digit and every scanner reads it; it encodes capitals,
digits and "-", which is all a reference ("R12-L0345") holds. Drawn as bars in
inline SVG: WeasyPrint renders it without fonts or images to fetch.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Each character's nine elements (bar, space, bar, ...), "1" for a wide one.
CODE39 = {
    "0": "000110100",
    "1": "100100001",
    "2": "001100001",
    "3": "101100000",
    "4": "000110001",
    "5": "100110000",
    "6": "001110000",
    "7": "000100101",
    "8": "100100100",
    "9": "001100100",
    "A": "100001001",
    "B": "001001001",
    "C": "101001000",
    "D": "000011001",
    "E": "100011000",
    "F": "001011000",
    "G": "000001101",
    "H": "100001100",
    "I": "001001100",
    "J": "000011100",
    "K": "100000011",
    "L": "001000011",
    "M": "101000010",
    "N": "000010011",
    "O": "100010010",
    "P": "001010010",
    "Q": "000000111",
    "R": "100000110",
    "S": "001000110",
    "T": "000010110",
    "U": "110000001",
    "V": "011000001",
    "W": "111000000",
    "X": "010010001",
    "Y": "110010000",
    "Z": "011010000",
    "-": "010000101",
    ".": "110000100",
    " ": "011000100",
    "*": "010010100",  # start and stop
}
WIDE = 3  # wide elements are three narrow ones
QUIET_ZONE = 10  # narrow widths of white each side, for the scanner to find the start


def code39_svg(text: str, *, narrow: float, height: float) -> SafeString:
    """`text` (capitals, digits, "-") as a Code 39 barcode in SVG, `narrow` points
    a narrow element, `height` points tall. ValueError for a character it can't hold."""
    bars, x = [], float(QUIET_ZONE)
    for char in f"*{text.upper()}*":
        if char not in CODE39:
            raise ValueError(f"Code 39 has no {char!r}.")
        for index, wide in enumerate(CODE39[char]):
            width = WIDE if wide == "1" else 1
            if index % 2 == 0:
                bars.append((x, width))
            x += width
        x += 1  # the narrow gap between characters
    width = x - 1 + QUIET_ZONE
    rects = format_html_join(
        "", '<rect x="{}" y="0" width="{}" height="{}"/>', ((x, w, height) for x, w in bars)
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}pt" height="{}pt" '
        'viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" aria-label="{}">{}</svg>',
        f"{width * narrow:.2f}",
        f"{height:.2f}",
        f"{width:g}",
        f"{height:g}",
        text,
        rects,
    )
