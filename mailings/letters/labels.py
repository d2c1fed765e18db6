"""Address labels on standard sticker sheets, filled row by row, as many pages as needed."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from mailings.letters.engine import default_time_limit, html_to_pdf
from mailings.letters.fitting import SIZES, size_class
from mailings.letters.geometry import INCH, MM, Box, pt

LABEL_SIZES = {"largest": 11.0, "readable": 7.0, "smallest": 5.0}


@dataclass(frozen=True)
class LabelSheet:
    """The geometry of a sheet of labels, in points from the page's top-left corner."""

    size: str  # CSS page size
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    top_margin: float
    left_margin: float
    column_pitch: float
    row_pitch: float
    padding: tuple[float, float, float, float]  # keeps text off the die-cut edge

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell(self, index: int) -> Box:
        """The label at position `index` on its page, counting row by row."""
        row, column = divmod(index % self.per_page, self.columns)
        return Box(
            left=self.left_margin + column * self.column_pitch,
            top=self.top_margin + row * self.row_pitch,
            width=self.label_width,
            height=self.label_height,
            padding=self.padding,
        )


SHEETS = {
    "avery5160": LabelSheet(
        size="letter",
        page_width=8.5 * INCH,
        page_height=11 * INCH,
        columns=3,
        rows=10,
        label_width=2.625 * INCH,
        label_height=1 * INCH,
        top_margin=0.5 * INCH,
        left_margin=0.1875 * INCH,
        column_pitch=2.75 * INCH,
        row_pitch=1 * INCH,
        padding=(0.06 * INCH, 0.1 * INCH, 0.06 * INCH, 0.15 * INCH),
    ),
    "l7163": LabelSheet(
        size="A4",
        page_width=210 * MM,
        page_height=297 * MM,
        columns=2,
        rows=7,
        label_width=99.1 * MM,
        label_height=38.1 * MM,
        top_margin=15.15 * MM,
        left_margin=4.65 * MM,
        column_pitch=101.6 * MM,
        row_pitch=38.1 * MM,
        padding=(3 * MM, 4 * MM, 3 * MM, 6 * MM),
    ),
}


def render_labels_pdf(
    addresses: Sequence[list[str]], *, sheet: str, time_limit: float | None = None
) -> bytes:
    """One label per address (lines as address_lines() gives them), in order, row by
    row. The time limit works as in render_letters_pdf."""
    html = labels_html(addresses, sheet=sheet)
    if time_limit is None:
        time_limit = default_time_limit(-(-len(addresses) // SHEETS[sheet].per_page))
    return html_to_pdf(html, time_limit=time_limit)


def labels_html(addresses: Sequence[list[str]], *, sheet: str) -> str:
    if sheet not in SHEETS:
        raise ValueError(f"sheet must be one of {tuple(SHEETS)}, not {sheet!r}")
    geometry = SHEETS[sheet]
    labels = [_label(lines, index, geometry) for index, lines in enumerate(addresses)]
    pages = [labels[i : i + geometry.per_page] for i in range(0, len(labels), geometry.per_page)]
    context = {"css": mark_safe(_css(geometry)), "pages": pages}
    return render_to_string("mailings/letters/labels.html", context)


def _label(lines: list[str], index: int, geometry: LabelSheet) -> dict:
    box = geometry.cell(index)
    fit = box.fit(lines, **LABEL_SIZES)
    # Centred vertically on the (conservative) estimate of its height.
    drop = max((box.inner_height - fit.height) / 2, 0.0)
    return {
        "lines": lines,
        "cell": f"cell-{index % geometry.per_page}",
        "size_class": fit.css_class,
        "padding_top": pt(box.padding[0] + drop),
    }


def _css(geometry: LabelSheet) -> str:
    cells = [(f"cell-{index}", geometry.cell(index).css()) for index in range(geometry.per_page)]
    return render_to_string(
        "mailings/letters/labels.css",
        {
            "page_size": geometry.size,
            # A hair short of the page, so rounding never spills an empty page.
            "sheet_height": pt(geometry.page_height - 1),
            "cells": cells,
            "sizes": [(size_class(size), pt(size)) for size in SIZES],
        },
    )
