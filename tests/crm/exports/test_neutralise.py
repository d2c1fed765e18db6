"""Cells a spreadsheet would run, neutralised in every export."""

import pytest

from crm.exports import LEAD_EXPORT_COLUMNS, neutralise
from tests.crm.exports.downloads import FORMULAS, both_formats, export
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert neutralise(text) == f"'{text}"


@pytest.mark.parametrize("value", ["Acme", "a=b", "", " =1", 5, -5, True, None])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


@both_formats
def test_formula_cells_are_neutralised_in_the_export(maria, fmt):
    LeadFactory(**FORMULAS)

    [row] = export(maria, fmt)

    for field, text in FORMULAS.items():
        expected = f"'{text}"
        if fmt == "xlsx":  # XML reads a carriage return back as a newline
            expected = expected.replace("\r", "\n")
        assert row[LEAD_EXPORT_COLUMNS[field]] == expected, field


def test_control_characters_are_dropped_before_neutralising(maria):
    LeadFactory(company="\x01=1+1", title="Bell\x07")

    [row] = export(maria, "xlsx")

    assert (row["Company"], row["Title"]) == ("'=1+1", "Bell")
