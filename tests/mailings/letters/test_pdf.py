"""Letters land where the envelope windows are, whatever the address looks like."""

import io

import pdfplumber
import pytest

from mailings.letters.pdf import Letter, letters_html, render_letters_pdf
from mailings.letters.postal import PostalAddress, address_lines
from tests.mailings.letters.reading import INCH, MM, Rect, read_pdf, words

US_RECIPIENT_WINDOW = Rect(0.5 * INCH, 2.042 * INCH, 3.5 * INCH, 0.875 * INCH)
US_RETURN_WINDOW = Rect(0.5 * INCH, 0.5 * INCH, 3.5 * INCH, 0.792 * INCH)
US_BODY_TOP = 3.375 * INCH
DIN_REMARK_ZONE = Rect(20 * MM, 45 * MM, 85 * MM, 17.7 * MM)
DIN_ADDRESS_ZONE = Rect(20 * MM, 62.7 * MM, 85 * MM, 27.3 * MM)
DIN_FIELD_BOTTOM = 90 * MM

LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou Wolfeschlegelsteinhausen III"
LONG_STREET = (
    "Apartment 1234 Extraordinarily Long Boulevard of the Seventeenth Regiment of Foot Block CC"
)
SENDER = ["Follow-up CRM", "1 Example Street", "SPRINGFIELD IL 62701"]
BODY = "<p>Dear Jane,</p><p>Thank you for visiting our booth last week.</p>"


def us_lines(**changes) -> list[str]:
    fields = {
        "name": "Jane Public",
        "organisation": "Acme Corp",
        "line1": "100 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    return address_lines(PostalAddress(**{**fields, **changes}), sender_country="US")


def german_lines(**changes) -> list[str]:
    fields = {
        "name": "Erika Mustermann",
        "line1": "Invalidenstraße 117",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    }
    return address_lines(PostalAddress(**{**fields, **changes}), sender_country="US")


def first_page(recipient: list[str], *, paper: str, sender: list[str] | None = None):
    pdf = render_letters_pdf([Letter(recipient, BODY)], paper=paper, sender=sender or [])
    return read_pdf(pdf)[0]


def above(limit: float):
    return lambda item: item["top"] < limit


def test_us_recipient_sits_inside_the_window():
    recipient = us_lines()

    page = first_page(recipient, paper="letter")

    address_chars = page.chars_where(above(US_BODY_TOP))
    assert address_chars and all(US_RECIPIENT_WINDOW.holds(char) for char in address_chars)
    assert page.words_where(above(US_BODY_TOP)) == words(recipient)


def test_normal_address_lines_print_one_row_each():
    recipient = us_lines(line2="Suite 500")

    page = first_page(recipient, paper="letter")

    rows = {round(word["top"]) for word in page.words if word["top"] < US_BODY_TOP}
    assert len(rows) == len(recipient) == 5


def test_us_return_address_sits_inside_its_window():
    page = first_page(us_lines(), paper="letter", sender=SENDER)

    sender_chars = page.chars_where(above(US_RECIPIENT_WINDOW.top))
    assert sender_chars and all(US_RETURN_WINDOW.holds(char) for char in sender_chars)
    assert page.words_where(above(US_RECIPIENT_WINDOW.top)) == words(SENDER)


def test_us_body_starts_below_the_windows():
    page = first_page(us_lines(), paper="letter", sender=SENDER)

    body = [word for word in page.words if word["text"] in ("Dear", "Thank")]
    assert body[0]["text"] == "Dear"
    assert US_BODY_TOP <= body[0]["top"] < US_BODY_TOP + 12


def test_din_recipient_sits_in_the_address_zone_of_the_window():
    recipient = german_lines(organisation="Beispiel GmbH")

    page = first_page(recipient, paper="a4", sender=SENDER)

    address_chars = page.chars_where(lambda c: DIN_ADDRESS_ZONE.top <= c["top"] < 90 * MM)
    assert address_chars and all(DIN_ADDRESS_ZONE.holds(char) for char in address_chars)
    assert min(char["x0"] for char in address_chars) >= 25 * MM - 0.01  # DIN's 5 mm indent
    assert page.words_where(lambda w: DIN_ADDRESS_ZONE.top <= w["top"] < 90 * MM) == words(
        recipient
    )


def test_din_return_address_is_one_small_line_in_the_remark_zone():
    page = first_page(german_lines(), paper="a4", sender=SENDER)

    sender_chars = page.chars_where(above(DIN_ADDRESS_ZONE.top))
    assert sender_chars and all(DIN_REMARK_ZONE.holds(char) for char in sender_chars)
    assert len({round(char["top"]) for char in sender_chars}) == 1
    assert max(char["size"] for char in sender_chars) <= 7.01
    printed = page.words_where(above(DIN_ADDRESS_ZONE.top))
    assert [word for word in printed if word != "·"] == words(SENDER)


def test_din_body_starts_below_the_address_field():
    page = first_page(german_lines(), paper="a4", sender=SENDER)

    dear = next(word for word in page.words if word["text"] == "Dear")
    assert DIN_FIELD_BOTTOM < dear["top"] < 110 * MM


@pytest.mark.parametrize(
    ("paper", "window", "body_top", "lines"),
    [
        ("letter", US_RECIPIENT_WINDOW, US_BODY_TOP, us_lines),
        ("a4", DIN_ADDRESS_ZONE, 90 * MM, german_lines),
    ],
)
def test_a_long_name_and_street_shrink_and_wrap_inside_the_window(paper, window, body_top, lines):
    assert (len(LONG_NAME), len(LONG_STREET)) == (70, 90)
    recipient = lines(name=LONG_NAME, organisation="Acme Corp", line1=LONG_STREET)

    page = first_page(recipient, paper=paper)

    address_chars = page.chars_where(above(body_top))
    assert all(window.holds(char) for char in address_chars)
    assert page.words_where(above(body_top)) == words(recipient)


def test_markup_in_an_address_prints_as_text():
    recipient = us_lines(line1='<img src="file:///etc/passwd">')

    page = first_page(recipient, paper="letter")

    assert '<img src="file:///etc/passwd">' in page.text()


def test_each_letter_starts_on_a_new_page_and_a_long_body_flows_on():
    long_body = "<p>" + "A long letter that goes on and on. " * 400 + "</p>"
    letters = [
        Letter(us_lines(name="Ann First"), BODY),
        Letter(us_lines(name="Bob Second"), long_body),
        Letter(us_lines(name="Cat Third"), BODY),
    ]

    pages = read_pdf(render_letters_pdf(letters, paper="letter", sender=[]))

    first_words = [page.words[0]["text"] if page.words else "" for page in pages]
    assert first_words[0] == "Ann" and first_words[1] == "Bob"
    assert len(pages) >= 4
    assert first_words[-1] == "Cat"
    assert all("Cat" not in page.text() for page in pages[:-1])


def test_letters_that_fit_one_page_each_are_page_for_page():
    names = ["Ann First", "Bob Second", "Cat Third"]
    letters = [Letter(us_lines(name=name), BODY) for name in names]

    pages = read_pdf(render_letters_pdf(letters, paper="a4", sender=SENDER))

    assert [page.text().split("Acme")[0] for page in pages] == [
        f"Follow-up CRM · 1 Example Street · SPRINGFIELD IL 62701 {name} " for name in names
    ]


def test_return_address_defaults_to_the_settings(settings):
    settings.LETTER_RETURN_ADDRESS = ["Mailroom Inc", "PO Box 9", "SPRINGFIELD IL 62702"]
    letter = Letter(us_lines(), BODY)

    page = read_pdf(render_letters_pdf([letter], paper="letter"))[0]

    assert page.words_where(above(US_RECIPIENT_WINDOW.top)) == words(settings.LETTER_RETURN_ADDRESS)


def test_template_css_styles_the_body_only_and_is_written_once_per_template():
    css = "body { font-size: 16pt } p { color: #333 }"
    letters = [Letter(us_lines(), BODY, css=css), Letter(us_lines(), BODY, css=css)]

    html = letters_html(letters, paper="letter", sender=SENDER)
    page = read_pdf(render_letters_pdf(letters, paper="letter", sender=SENDER))[0]

    assert html.count("font-size: 16pt") == 1
    dear = page.chars_where(lambda char: char["top"] > US_BODY_TOP)[0]
    address = page.chars_where(above(US_BODY_TOP))
    assert round(dear["size"]) == 16
    assert max(char["size"] for char in address) <= 11.01


def test_an_unknown_paper_is_refused():
    with pytest.raises(ValueError, match="paper"):
        letters_html([], paper="legal")


# Fold marks: small lines in the left margin of every page.


def mark_heights(paper: str) -> list[list[float]]:
    long_body = "<p>Line.</p>" * 120
    pdf = render_letters_pdf([Letter(us_lines(), long_body)], paper=paper, sender=[])
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            sorted(
                rect["top"] + rect["height"] / 2
                for rect in page.rects
                if rect["height"] < 1 and rect["x1"] < 15 * MM
            )
            for page in document.pages
        ]


def test_us_letter_has_the_tri_fold_marks_of_a_number_10_envelope_on_every_page():
    pages = mark_heights("letter")

    assert len(pages) > 1
    for marks in pages:
        assert marks == pytest.approx([11 / 3 * INCH, 22 / 3 * INCH], abs=1)


def test_a4_has_the_din_5008_form_b_fold_marks_and_the_punch_mark():
    for marks in mark_heights("a4"):
        assert marks == pytest.approx([105 * MM, 148.5 * MM, 210 * MM], abs=1)
