"""The barcode of a letter's reference: Code 39 that a scanner reads off the paper."""

import io
import shutil
import subprocess

import pdfplumber
import pypdfium2
import pytest

from mailings.letters.barcode import CODE39, code39_svg
from mailings.letters.pdf import Letter, render_letters_pdf

REFERENCE = "R12-L0345"


def test_each_character_is_three_wide_elements_of_nine_and_unique():
    assert all(len(bars) == 9 and bars.count("1") == 3 for bars in CODE39.values())
    assert len(set(CODE39.values())) == len(CODE39)


def test_a_character_code_39_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="Code 39 has no"):
        code39_svg("R12_L1", narrow=1, height=10)


def printed(paper: str) -> bytes:
    letter = Letter(
        ["Jane Public", "1 Main St", "SPRINGFIELD IL 62701"], "<p>Hi</p>", "", REFERENCE
    )
    return render_letters_pdf([letter], paper=paper, sender=[])


def read_bars(pdf: bytes) -> str:
    """The characters the bars at the top of the page spell, read as a scanner does:
    by the widths of the bars and of the gaps between them."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        bars = sorted((r["x0"], r["x1"]) for r in document.pages[0].rects if r["top"] < 40)
    narrow = min(right - left for left, right in bars)
    elements = []
    for (left, right), following in zip(bars, [*bars[1:], None], strict=True):
        elements.append("1" if right - left > 2 * narrow else "0")
        if following is not None:
            elements.append("1" if following[0] - right > 2 * narrow else "0")
    by_pattern = {pattern: char for char, pattern in CODE39.items()}
    # Each character is nine elements, then a narrow gap.
    chars = [by_pattern["".join(elements[i : i + 9])] for i in range(0, len(elements), 10)]
    return "".join(chars)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_letters_barcode_spells_its_reference(paper):
    assert read_bars(printed(paper)) == f"*{REFERENCE}*"


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools is not installed")
def test_a_real_barcode_reader_reads_the_reference(tmp_path):
    image = tmp_path / "letter.png"
    pypdfium2.PdfDocument(printed("letter"))[0].render(scale=300 / 72).to_pil().save(image)

    read = subprocess.run(["zbarimg", "-q", str(image)], capture_output=True, text=True)

    assert read.stdout.strip() == f"CODE-39:{REFERENCE}"
