import string
from pathlib import Path

import pytest

from mailings.letters.fitting import fit_lines, text_width, wrapped_rows

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU_SANS.exists(), reason="DejaVu Sans is not installed")
def test_width_estimate_is_never_narrower_than_dejavu_sans():
    from fontTools.ttLib import TTFont

    font = TTFont(DEJAVU_SANS)
    cmap, metrics, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    text = string.printable.strip() + " ÄÖÜäöüßéèêàçñøåÆŒæœ€£—…"

    for char in text:
        real = metrics[cmap[ord(char)]][0] / em
        assert text_width(char, 1.0) >= real, char


def test_short_lines_keep_the_largest_size_one_row_each():
    fit = fit_lines(["Jane Public", "1 Main St", "SPRINGFIELD IL 62701"], width=248, height=60)

    assert (fit.size, fit.rows, fit.fits) == (11.0, 3, True)


def test_a_long_line_shrinks_before_it_wraps():
    fit = fit_lines(["A" * 40], width=248, height=60)

    assert fit.rows == 1
    assert text_width("A" * 40, fit.size) <= 248


def test_a_line_too_long_to_shrink_readably_wraps_at_spaces():
    line = " ".join(["Word"] * 30)

    fit = fit_lines([line], width=248, height=60)

    assert fit.fits and fit.rows == wrapped_rows(line, fit.size, 248) > 1
