"""Email cells as people paste them."""

import pytest

from crm.imports.emails import read_email_cell


@pytest.mark.parametrize(
    ("cell", "addresses"),
    [
        ("jane@example.com", ["jane@example.com"]),
        ("mailto:Jane@Example.com", ["Jane@Example.com"]),
        ("MAILTO:jane@example.com", ["jane@example.com"]),
        ("  jane@example.com  ", ["jane@example.com"]),
        ("<jane@example.com>", ["jane@example.com"]),
        ("Jane Roe <jane@example.com>", ["jane@example.com"]),
        ('"Roe, Jane" <jane@example.com>', ["jane@example.com"]),
        ("a@x.org; b@gmail.com", ["a@x.org", "b@gmail.com"]),
        ("a@x.org, b@gmail.com", ["a@x.org", "b@gmail.com"]),
        ("a@x.org\nb@gmail.com", ["a@x.org", "b@gmail.com"]),
        ("a@x.org; A@X.org", ["a@x.org"]),  # the same address twice, once
        ("jane.o'neil+expo@example.co.uk", ["jane.o'neil+expo@example.co.uk"]),
    ],
)
def test_every_usable_address_is_taken_in_order(cell, addresses):
    cell = read_email_cell(cell)

    assert (cell.addresses, cell.problems) == (addresses, [])


@pytest.mark.parametrize("cell", ["", "n/a", "N/A", "-", "none", "keine"])
def test_a_cell_saying_no_address_is_just_empty(cell):
    assert read_email_cell(cell).addresses == read_email_cell(cell).problems == []


@pytest.mark.parametrize(
    ("cell", "addresses", "problem"),
    [
        ("not-an-email", [], "“not-an-email” is not a valid email address"),
        ("claire.dubois@airbus", [], "“claire.dubois@airbus” is not a valid email address"),
        ("jane(at)example.com", [], "“jane(at)example.com” is not a valid email address"),
        ("a@x.org; jane@@example.com", ["a@x.org"], "is not a valid email address"),
    ],
)
def test_what_cannot_be_used_is_reported(cell, addresses, problem):
    cell = read_email_cell(cell)

    assert cell.addresses == addresses
    assert len(cell.problems) == 1 and problem in cell.problems[0]
