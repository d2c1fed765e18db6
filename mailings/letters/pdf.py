"""Letters for window envelopes, all of a print run in one PDF.

Each letter starts on a new page, with the return address and the recipient placed
where the windows of the envelope are: a #10 double-window envelope for a tri-folded
US Letter page, and a DL window envelope for an A4 page laid out by DIN 5008 form B.
Every page carries small fold marks in its left margin (and, on A4, the hole-punch
mark), so whoever folds by hand folds the address into the window.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from mailings.letters.barcode import code39_svg
from mailings.letters.engine import default_time_limit, html_to_pdf
from mailings.letters.fitting import SIZES, Fit, size_class
from mailings.letters.geometry import INCH, MM, Box, pt
from mailings.letters.postal import return_address
from mailings.letters.scoping import scope_css

PAPERS = ("letter", "a4")


@dataclass(frozen=True)
class Letter:
    recipient: list[str]  # address_lines() output
    body_html: str  # rendered and autoescaped by the caller: trusted markup
    css: str = ""  # the letter template's own CSS, applied to the body
    reference: str = ""  # the print run's id for it ("R12-L0345"), printed small


@dataclass(frozen=True)
class PageFrame:
    """Where things go on the first page of a letter; later pages carry only the body."""

    size: str  # CSS page size
    margin: tuple[float, float, float, float]  # top right bottom left, for the body
    sender: Box
    recipient: Box
    body_top: float  # from the top of the page
    sender_on_one_line: bool  # DIN 5008: one small line above the address
    folds: tuple[float, ...]  # fold marks, from the top of the page
    punch: float | None = None  # the hole-punch mark, from the top of the page


FRAMES = {
    # #10 double-window envelope: return window 0.5 in / 0.5 in, 3.5 by 0.792 in;
    # address window 0.5 in from the left, 2.042 in from the top, 3.5 by 0.875 in.
    "letter": PageFrame(
        size="letter",
        margin=(0.75 * INCH, 0.75 * INCH, 0.75 * INCH, 0.75 * INCH),
        sender=Box(0.5 * INCH, 0.5 * INCH, 3.5 * INCH, 0.792 * INCH, (1.5, 2, 1.5, 2)),
        recipient=Box(0.5 * INCH, 2.042 * INCH, 3.5 * INCH, 0.875 * INCH, (1.5, 2, 1.5, 2)),
        body_top=3.375 * INCH,
        sender_on_one_line=False,
        # Tri-folded in three equal panels for a #10 envelope.
        folds=(11 * INCH / 3, 22 * INCH / 3),
    ),
    # DIN 5008 form B: the address field at 20 mm / 45 mm, 85 by 45 mm: a 17.7 mm
    # remark zone (the return line at its foot), then the 27.3 mm address zone; text
    # starts 5 mm in from the field's left edge.
    "a4": PageFrame(
        size="A4",
        margin=(20 * MM, 20 * MM, 20 * MM, 25 * MM),
        sender=Box(20 * MM, 45 * MM, 85 * MM, 17.7 * MM, (1, 2 * MM, 1, 5 * MM)),
        recipient=Box(20 * MM, 62.7 * MM, 85 * MM, 27.3 * MM, (1, 2 * MM, 1, 5 * MM)),
        body_top=98.46 * MM,
        sender_on_one_line=True,
        # DIN 5008 form B: folds at 105 and 210 mm, the punch mark at half height.
        folds=(105 * MM, 210 * MM),
        punch=148.5 * MM,
    ),
}

RECIPIENT_SIZES = {"largest": 11.0, "readable": 8.0, "smallest": 5.0}
SENDER_SIZES = {
    "letter": {"largest": 9.0, "readable": 7.0, "smallest": 5.0},
    "a4": {"largest": 7.0, "readable": 6.0, "smallest": 5.0},
}


def render_letters_pdf(
    letters: Sequence[Letter],
    *,
    paper: str,
    sender: list[str] | None = None,
    time_limit: float | None = None,
) -> bytes:
    """One PDF of all `letters`, each starting on a new page. `sender` is the return
    address (default: settings.LETTER_RETURN_ADDRESS or MAIL_POSTAL_ADDRESS; [] for
    none). Raises RenderTimeLimitExceeded after `time_limit` seconds (default:
    settings.LETTER_RENDER_SECONDS, else a budget growing with the number of letters)."""
    html = letters_html(letters, paper=paper, sender=sender)
    if time_limit is None:
        time_limit = default_time_limit(len(letters))
    return html_to_pdf(html, time_limit=time_limit)


def letters_html(letters: Sequence[Letter], *, paper: str, sender: list[str] | None = None) -> str:
    """The HTML document render_letters_pdf renders: one shared <style>, one
    <section> per letter."""
    if paper not in FRAMES:
        raise ValueError(f"paper must be one of {PAPERS}, not {paper!r}")
    frame = FRAMES[paper]
    sender_lines = _sender_lines(frame, return_address() if sender is None else sender)
    sender_fit = frame.sender.fit(sender_lines, **SENDER_SIZES[paper])
    scopes = _template_scopes(letters)
    context = {
        # Raw CSS for <style>: our own template, and template CSS that scope_css has
        # re-serialised so that it cannot close the element.
        "css": mark_safe(_shared_css(frame, sender_fit) + _template_css(scopes)),
        "sender": {"lines": sender_lines, "size_class": sender_fit.css_class},
        "letters": [_letter_context(letter, frame, scopes) for letter in letters],
        "marks": _marks(frame),
    }
    return render_to_string("mailings/letters/letters.html", context)


def _sender_lines(frame: PageFrame, lines: list[str]) -> list[str]:
    lines = [line.strip() for line in lines if line.strip()]
    return [" · ".join(lines)] if frame.sender_on_one_line and lines else lines


def _letter_context(letter: Letter, frame: PageFrame, scopes: dict[str, str]) -> dict:
    fit = frame.recipient.fit(letter.recipient, **RECIPIENT_SIZES)
    return {
        "recipient": letter.recipient,
        "size_class": fit.css_class,
        "scope": scopes.get(letter.css.strip(), ""),
        "body_html": letter.body_html,
        "reference": letter.reference,
        "barcode": _barcode(letter.reference),
    }


def _template_scopes(letters: Sequence[Letter]) -> dict[str, str]:
    """One class per distinct template stylesheet: a run of one template carries its
    CSS once, not once per letter."""
    scopes: dict[str, str] = {}
    for letter in letters:
        css = letter.css.strip()
        if css and css not in scopes:
            scopes[css] = f"tpl-{len(scopes) + 1}"
    return scopes


def _template_css(scopes: dict[str, str]) -> str:
    return "\n".join(scope_css(css, scope) for css, scope in scopes.items())


def _shared_css(frame: PageFrame, sender_fit: Fit) -> str:
    origin = (frame.margin[3], frame.margin[0])
    sender_drop = 0.0
    if frame.sender_on_one_line:
        # The return line sits at the foot of the remark zone, just above the address.
        sender_drop = max(frame.sender.inner_height - sender_fit.height, 0.0)
    return render_to_string(
        "mailings/letters/letters.css",
        {
            "page_size": frame.size,
            "page_margin": " ".join(pt(side) for side in frame.margin),
            "sender_box": frame.sender.css(origin=origin, extra_top=sender_drop),
            "recipient_box": frame.recipient.css(origin=origin),
            "body_offset": pt(frame.body_top - frame.margin[0]),
            "sizes": [(size_class(size), pt(size)) for size in SIZES],
            "reference_box": _reference_css(frame),
        },
    )


# Marks start 5 mm in from the paper's edge, inside what office printers print;
# the punch mark is longer, as DIN 5008 draws it.
MARK_LEFT, FOLD_MARK_LENGTH, PUNCH_MARK_LENGTH, MARK_WEIGHT = 5 * MM, 5 * MM, 8 * MM, 0.5


def _marks(frame: PageFrame) -> list[dict[str, str]]:
    """Each mark as the CSS of a fixed (every page) line, its middle on its height."""
    lines = [(top, FOLD_MARK_LENGTH) for top in frame.folds]
    if frame.punch is not None:
        lines.append((frame.punch, PUNCH_MARK_LENGTH))
    left, top = frame.margin[3], frame.margin[0]
    return [
        {
            "class": "punch-mark" if length == PUNCH_MARK_LENGTH else "fold-mark",
            "css": f"left: {pt(MARK_LEFT - left)}; top: {pt(y - MARK_WEIGHT / 2 - top)}; "
            f"width: {pt(length)}; border-top: {pt(MARK_WEIGHT)} solid #000;",
        }
        for y, length in lines
    ]


# A narrow bar of 0.6 pt (0.21 mm) is well within what handheld scanners read.
BARCODE_NARROW, BARCODE_HEIGHT = 0.6, 14.0
REFERENCE_TOP = 5 * MM  # from the paper's edge: inside what printers print


def _barcode(reference: str) -> str:
    return code39_svg(reference, narrow=BARCODE_NARROW, height=BARCODE_HEIGHT) if reference else ""


def _reference_css(frame: PageFrame) -> str:
    """The letter's reference (a barcode over its text), small in the top margin at
    the right: off the envelope's windows, where the mailroom finds it on a letter
    that came back."""
    return f"top: {pt(REFERENCE_TOP - frame.margin[0])}; right: 0;"
