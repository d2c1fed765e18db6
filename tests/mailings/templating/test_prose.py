"""Data as a person would write it in a sentence."""

import pytest

from mailings.templating.prose import campaign_in_prose, name_in_prose, prose_tidied


@pytest.mark.parametrize(
    ("name", "reads"),
    [
        ("EXPO_2026", "Expo 2026"),
        ("web_summit", "Web Summit"),
        ("CES_2026", "CES 2026"),
        ("state_of_the_art", "State of the Art"),
        ("The Web Summit", "the Web Summit"),
        ("Expo 2026 Booth", "Expo 2026"),
        ("Expo 2026", "Expo 2026"),
        ("CES 2026", "CES 2026"),
        ("  Salon   du Vin ", "Salon du Vin"),
    ],
)
def test_a_campaign_reads_as_its_name_mid_sentence(name, reads):
    assert campaign_in_prose(name) == reads


@pytest.mark.parametrize(
    ("name", "surname", "reads"),
    [
        ("JOSÉ", False, "José"),
        ("GARCÍA", True, "García"),
        ("O'NEILL", True, "O'Neill"),
        ("JEAN-PIERRE", False, "Jean-Pierre"),
        ("VAN DER BERG", True, "van der Berg"),
        ("MARÍA DEL CARMEN", False, "María del Carmen"),
        ("MCDONALD", True, "MCDONALD"),  # McDonald or Mcdonald: not safe to guess
        ("MACHADO", True, "MACHADO"),
        ("de Vries", True, "de Vries"),  # typed with care: kept
        ("McDonald", True, "McDonald"),
        ("TJ", False, "TJ"),
        ("LI", True, "Li"),
        ("J", False, "J"),
    ],
)
def test_a_name_typed_in_capitals_is_written_properly_where_safe(name, surname, reads):
    assert name_in_prose(name, surname=surname) == reads


@pytest.mark.parametrize(
    ("html", "tidied"),
    [
        ("<p>at Acme Inc..</p>", "<p>at Acme Inc.</p>"),
        ("<p>at <b>Acme Inc.</b>.</p>", "<p>at <b>Acme Inc.</b></p>"),
        ("<p>at Yahoo!.</p>", "<p>at Yahoo!</p>"),
        ("<p>Wait...</p>", "<p>Wait...</p>"),
        ("<p>Dear ,</p>", "<p>Dear friend,</p>"),
        ("<p>Hello ,</p>", "<p>Hello,</p>"),
        ("<p>at the the Expo  2026 .</p>", "<p>at the Expo 2026.</p>"),
        ('<a href="https://x.test/?.a">x</a>', '<a href="https://x.test/?.a">x</a>'),
        ('<p class="a  b">x</p>', '<p class="a  b">x</p>'),
    ],
)
def test_what_merge_fields_leave_behind_is_mended(html, tidied):
    assert prose_tidied(html) == tidied
