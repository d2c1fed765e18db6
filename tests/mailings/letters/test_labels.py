"""Each address prints inside its own label, row by row, page after page."""

import pytest

from mailings.letters.labels import SHEETS, render_labels_pdf
from tests.mailings.letters.reading import INCH, MM, Rect, read_pdf


def tagged_addresses(count: int) -> list[list[str]]:
    """Addresses whose every word ends in "-<index>", so each printed word says which
    label it belongs to. Every seventh one is very long."""
    addresses = []
    for n in range(count):
        lines = [f"Jane-{n} Public-{n}", f"100-{n} Main-{n} St-{n}", f"SPRINGFIELD-{n} IL-{n}"]
        if n % 7 == 3:
            lines[0] = " ".join(f"Maximiliana-{n}" for _ in range(5))
            lines[1] = " ".join(f"Boulevard-{n}" for _ in range(8))
        addresses.append(lines)
    return addresses


def cell(sheet: str, position: int) -> Rect:
    geometry = SHEETS[sheet]
    row, column = divmod(position, geometry.columns)
    return Rect(
        geometry.left_margin + column * geometry.column_pitch,
        geometry.top_margin + row * geometry.row_pitch,
        geometry.label_width,
        geometry.label_height,
    )


def test_avery_5160_is_three_by_ten_one_inch_labels_on_us_letter():
    sheet = SHEETS["avery5160"]

    assert (sheet.columns, sheet.rows, sheet.size) == (3, 10, "letter")
    assert (sheet.label_width, sheet.label_height) == (2.625 * INCH, 1 * INCH)
    assert (sheet.top_margin, sheet.left_margin) == (0.5 * INCH, 0.1875 * INCH)
    assert (sheet.column_pitch, sheet.row_pitch) == (2.75 * INCH, 1 * INCH)


def test_l7163_is_two_by_seven_labels_on_a4():
    sheet = SHEETS["l7163"]

    assert (sheet.columns, sheet.rows, sheet.size) == (2, 7, "A4")
    assert (sheet.label_width, sheet.label_height) == pytest.approx((99.1 * MM, 38.1 * MM))
    assert (sheet.top_margin, sheet.left_margin) == pytest.approx((15.15 * MM, 4.65 * MM))
    assert (sheet.column_pitch, sheet.row_pitch) == pytest.approx((101.6 * MM, 38.1 * MM))


@pytest.mark.parametrize(("sheet", "per_page"), [("avery5160", 30), ("l7163", 14)])
def test_every_address_prints_whole_inside_its_own_label(sheet, per_page):
    addresses = tagged_addresses(per_page + 5)

    pages = read_pdf(render_labels_pdf(addresses, sheet=sheet))

    assert len(pages) == 2
    printed: dict[int, list[str]] = {}
    for page_number, page in enumerate(pages):
        for word in page.words:
            index = int(word["text"].rsplit("-", 1)[1])
            assert cell(sheet, index - page_number * per_page).holds(word), word["text"]
            printed.setdefault(index, []).append(word["text"])
    assert printed == {n: " ".join(lines).split() for n, lines in enumerate(addresses)}


def test_labels_fill_row_by_row_and_count_per_page():
    addresses = tagged_addresses(35)

    pages = read_pdf(render_labels_pdf(addresses, sheet="avery5160"))

    names_per_page = [[w for w in page.words if w["text"].startswith("Jane-")] for page in pages]
    assert [len(names) for names in names_per_page] == [30 - 4, 5 - 1]  # minus the long ones
    first, second = names_per_page[0][:2]
    assert (first["text"], second["text"]) == ("Jane-0", "Jane-1")
    assert first["top"] == second["top"] and second["x0"] > first["x0"] + 2 * INCH
    assert names_per_page[1][0]["text"] == "Jane-30"


def test_text_keeps_clear_of_the_label_edges():
    pages = read_pdf(render_labels_pdf(tagged_addresses(14), sheet="l7163"))

    for word in pages[0].words:
        index = int(word["text"].rsplit("-", 1)[1])
        label = cell("l7163", index)
        inset = Rect(label.left + 1 * MM, label.top + 1 * MM, label.width - 2 * MM,
                     label.height - 2 * MM)  # fmt: skip
        assert inset.holds(word), word["text"]


def test_an_unknown_sheet_is_refused():
    with pytest.raises(ValueError, match="sheet"):
        render_labels_pdf([["Jane"]], sheet="avery9999")
