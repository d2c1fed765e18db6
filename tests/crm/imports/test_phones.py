"""Phone cells as spreadsheets leave them: bare digits read both ways."""

import pytest

from crm.contact import InvalidPhone
from crm.imports.phones import read_phone_cell


@pytest.mark.parametrize(
    ("cell", "country", "e164"),
    [
        ("4917612345678", "DE", "+4917612345678"),  # never +494917612345678
        ("4917612345678.0", "DE", "+4917612345678"),  # a float exported as text
        ("49 176 1234 5678", "DE", "+4917612345678"),
        ("12125550123", "US", "+12125550123"),
        ("442079460321", "GB", "+442079460321"),
        ("33612345678", "FR", "+33612345678"),
        ("030 1234567", "DE", "+49301234567"),  # national numbers still parse
        ("301234567", "DE", "+49301234567"),  # ... also without the 0 a sheet dropped
        ("(212) 555-0123", "US", "+12125550123"),
        ("612345678", "ES", "+34612345678"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("004917612345678", "US", "+4917612345678"),  # 00, as most of the world dials out
    ],
)
def test_a_cell_is_read_as_the_number_it_is(cell, country, e164):
    assert read_phone_cell(cell, country=country).phone.e164 == e164


@pytest.mark.parametrize(
    ("cell", "country", "kept", "other"),
    [
        ("4917612345678", "DE", "+4917612345678", "+494917612345678"),
        ("442079460321", "DE", "+49442079460321", "+442079460321"),
    ],
)
def test_bare_digits_with_two_valid_readings_say_so(cell, country, kept, other):
    reading = read_phone_cell(cell, country=country)

    assert (reading.phone.e164, reading.other.e164) == (kept, other)
    assert reading.why


def test_one_valid_reading_is_no_question():
    reading = read_phone_cell("12125550123", country="US")

    assert reading.other is None


def test_the_cell_is_kept_as_written_with_its_extension():
    phone = read_phone_cell("415.555.2671 x23", country="US").phone

    assert (phone.e164, phone.raw, phone.extension) == ("+14155552671", "415.555.2671 x23", "23")


def test_an_empty_cell_is_no_phone():
    assert read_phone_cell("  ", country="US") is None


def test_a_number_shortened_to_scientific_notation_is_refused_with_the_reason():
    with pytest.raises(InvalidPhone, match="shortened"):
        read_phone_cell("4.91761E+12", country="DE")


@pytest.mark.parametrize("cell", ["12", "call me", "555-CALL", "+49"])
def test_text_that_is_no_number_is_refused(cell):
    with pytest.raises(InvalidPhone):
        read_phone_cell(cell, country="US")


@pytest.mark.parametrize(
    ("cell", "country"),
    [("646.555.0101", "US"), ("212 555 0123", "US"), ("20 7946 0958", "GB")],
)
def test_a_number_typed_in_national_groups_is_not_asked_twice(cell, country):
    assert read_phone_cell(cell, country=country).other is None
