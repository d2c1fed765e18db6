"""A lead's letter: the template filled in with the lead's merge fields, and the
envelope window naming the lead."""

import datetime as dt

import pytest

from mailings.letters.compose import letter_for
from mailings.letters.models import LetterTemplate
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

GREETING = (
    "<p>Dear {% if lead.name_prefix and lead.last_name %}{{ lead.name_prefix }} "
    '{{ lead.last_name }}{% else %}{{ lead.first_name|default:"friend" }}{% endif %},</p>'
)


def letter(**lead_fields):
    lead = LeadFactory(
        address_line1="Hauptstraße 5", city="Berlin", postal_code="10115", country="DE",
        **lead_fields,
    )  # fmt: skip
    template = LetterTemplate(body=GREETING + "<p>{{ lead.formal_name }}</p>", css="")
    return letter_for(template, lead, today=dt.date(2026, 3, 10))


def test_a_letter_greets_a_lead_by_prefix_and_last_name():
    printed = letter(name_prefix="Dr.", first_name="Anna", last_name="Schmidt", name_suffix="PhD")

    assert "<p>Dear Dr. Schmidt,</p>" in printed.body_html
    assert "<p>Dr. Anna Schmidt, PhD</p>" in printed.body_html
    assert printed.recipient[0] == "Dr. Anna Schmidt, PhD"


def test_a_letter_to_a_lead_without_a_prefix_greets_by_first_name():
    printed = letter(name_prefix="", first_name="Anna", last_name="Schmidt", name_suffix="")

    assert "<p>Dear Anna,</p>" in printed.body_html
    assert printed.recipient[0] == "Anna Schmidt"


def test_the_envelope_of_a_lead_without_a_name_starts_with_the_street():
    printed = letter(name_prefix="Dr.", first_name="", last_name="", company="")

    assert printed.recipient[0] == "Hauptstraße 5"
    assert "<p>Dear friend,</p>" in printed.body_html
