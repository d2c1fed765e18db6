"""Every column of a known vendor export mapped by guessing alone, each with its reason."""

import pytest

from crm.imports import columns
from tests.crm.imports.vendors.exports import EXPORTS, by_heading, guess


@pytest.mark.parametrize("export", EXPORTS)
def test_every_person_column_of_a_known_export_is_mapped_by_guessing(export):
    header, guessed = guess(export)

    assert by_heading(header, guessed.mapping) == export.mapping
    assert guessed.recognised_as == export.recognised_as


@pytest.mark.parametrize("export", EXPORTS)
def test_every_column_of_a_known_export_says_why_it_was_guessed(export):
    header, guessed = guess(export)

    assert sorted(guessed.reasons) == list(range(len(header)))
    assert all(guessed.reasons.values())


@pytest.mark.parametrize("export", EXPORTS)
def test_the_headings_alone_map_a_known_export_as_its_layout_does(export, monkeypatch):
    """A variant the layouts don't recognise (another locale, columns added) is still
    mapped right: the layouts add recognition and the vendor's words, not the fields."""
    monkeypatch.setattr(columns, "_LAYOUT_SIGNATURES", [])
    header, guessed = guess(export)

    assert guessed.recognised_as == ""
    assert by_heading(header, guessed.mapping) == export.mapping
