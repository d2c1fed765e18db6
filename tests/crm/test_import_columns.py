import pytest

from crm.imports.columns import (
    FIELDS,
    guess_field,
    guess_mapping,
    looks_like_header,
    normalise_heading,
    split_full_name,
)

ALIASES_BY_FIELD = {
    "email": ["Email", "E-mail", "Email Address", "E-Mail-Adresse", "Work email"],
    "phone": [
        "Phone",
        "Phone Number",
        "Cell Phone",
        "Mobile",
        "Mobile Phone",
        "Work Phone",
        "Telephone",
        "Tel",
        "Direct dial",
    ],
    "first_name": ["First Name", "Given name", "Firstname"],
    "last_name": ["Last Name", "Surname", "Family name"],
    "full_name": ["Name", "Full Name", "Attendee", "Attendee name", "Contact"],
    "company": ["Company", "Company name", "Organization", "Organisation", "Employer", "Account"],
    "title": ["Title", "Job Title", "Position", "Role", "Job"],
    "address_line1": ["Address", "Street", "Address 1", "Address line 1", "Street address"],
    "address_line2": ["Address 2", "Address line 2", "Suite"],
    "city": ["City", "Town"],
    "region": ["State", "Region", "Province", "County", "State/Province"],
    "postal_code": ["Zip", "ZIP code", "Postal code", "Postcode", "PLZ"],
    "country": ["Country", "Country/Region", "Nation"],
    "notes": ["Notes", "Note", "Comments", "Comment", "Remarks"],
    "rating": ["Rating", "Lead rating", "Score", "Temperature", "Interest level"],
}


@pytest.mark.parametrize(
    ("heading", "field"),
    [(heading, field) for field, headings in ALIASES_BY_FIELD.items() for heading in headings],
)
def test_common_headings_are_recognised(heading, field):
    assert guess_field(heading) == field


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("EMAIL ADDRESS", "email"),
        ("  e_mail  ", "email"),
        ("Email ID", "email"),
        ("Tel.", "phone"),
        ("Phone #", "phone"),
        ("Phone (optional)", "phone"),
        ("Mobile Number", "phone"),
        ("FirstName", "first_name"),
        ("first_name", "first_name"),
        ("Attendee First Name", "first_name"),
        ("Contact Last Name", "last_name"),
        ("Mailing City", "city"),
        ("Billing Country", "country"),
        ("Zip/Postal Code", "postal_code"),
        ("Zip Code (5 digits)", "postal_code"),
        ("Vorname", "first_name"),
        ("Straße", "address_line1"),
        ("Prénom", "first_name"),
    ],
)
def test_headings_are_recognised_whatever_their_spelling_case_and_qualifiers(heading, field):
    assert guess_field(heading) == field


@pytest.mark.parametrize(
    "heading",
    [
        "Hotel",
        "Event name",
        "Session title",
        "Badge ID",
        "Email opt-in",
        "EmailOptIn",
        "Phone type",
        "Phone extension",
        "Fax",
        "Interested in",
        "",
        "  ",
    ],
)
def test_headings_naming_no_lead_field_are_left_unmapped(heading):
    assert guess_field(heading) == ""


@pytest.mark.parametrize(
    ("heading", "normalised"),
    [
        ("E-Mail Address ", "e mail address"),
        ("State/Province", "state province"),
        ("  Zoë   Müller ", "zoe muller"),
        ("Straße", "strasse"),
        ("Phone #2", "phone 2"),
        ("first_name", "first name"),
    ],
)
def test_headings_are_normalised_to_lowercase_words_without_accents(heading, normalised):
    assert normalise_heading(heading) == normalised


def test_fields_are_labelled_for_managers_in_form_order():
    assert list(FIELDS)[:5] == ["email", "phone", "name_prefix", "first_name", "last_name"]
    assert FIELDS["region"] == "State / region"


def test_a_mapping_is_guessed_for_every_recognised_column():
    header = ["Badge ID", "First Name", "Last Name", "Email", "Company", "Scanned at"]

    assert guess_mapping(header).mapping == {
        1: "first_name",
        2: "last_name",
        3: "email",
        4: "company",
        5: "scanned_at",
    }


def test_several_columns_can_map_to_phone():
    header = ["Name", "Mobile", "Work Phone", "Telephone"]

    assert guess_mapping(header).mapping == {0: "full_name", 1: "phone", 2: "phone", 3: "phone"}


def test_several_columns_can_map_to_email():
    header = ["Email", "Work email", "Company", "Employer"]

    assert guess_mapping(header).mapping == {0: "email", 1: "email", 2: "company"}


def test_a_field_other_than_phone_or_email_is_mapped_from_its_first_column_only():
    header = ["Company", "Employer", "Email"]

    assert guess_mapping(header).mapping == {0: "company", 2: "email"}


def test_a_saved_mapping_wins_over_guessing():
    header = ["Email", "Org", "Remarks"]
    saved = {"org": "notes", "remarks": "title"}

    assert guess_mapping(header, saved).mapping == {0: "email", 1: "notes", 2: "title"}


def test_a_saved_mapping_can_ignore_a_column_we_would_guess():
    header = ["Email", "Notes"]

    assert guess_mapping(header, {"notes": ""}).mapping == {0: "email"}


def test_a_saved_field_is_not_taken_by_an_earlier_guessed_column():
    header = ["Company", "Employer"]

    assert guess_mapping(header, {"employer": "company"}).mapping == {1: "company"}


def test_saved_headings_are_matched_after_normalisation():
    assert guess_mapping(["  E-Mail Address "], {"e mail address": "notes"}).mapping == {0: "notes"}


def test_a_saved_field_that_no_longer_exists_leaves_the_column_unmapped():
    assert guess_mapping(["Email", "Badge"], {"badge": "badge_number"}).mapping == {0: "email"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mary Ann Smith-Jones", ("Mary Ann", "Smith-Jones")),
        ("Smith, Mary", ("Mary", "Smith")),
        ("  Smith ,   Mary   Ann ", ("Mary Ann", "Smith")),
        ("Cher", ("Cher", "")),
        ("  Mary    Smith  ", ("Mary", "Smith")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Maria de la Cruz", ("Maria", "de la Cruz")),
        ("Van Morrison", ("Van", "Morrison")),
        ("John Smith Jr.", ("John", "Smith Jr.")),
        ("John Smith, Jr.", ("John", "Smith Jr.")),
        ("", ("", "")),
    ],
)
def test_a_full_name_is_split_into_first_and_last_name(text, names):
    assert split_full_name(text) == names


@pytest.mark.parametrize(
    "cells",
    [
        ["Email", "Phone", "Name"],
        ["First Name", "Last Name", "Company", "Badge ID", "Scanned at"],
        ["", "E-Mail", "", "Mobile", ""],
        ["Email"],
        ["Name", "Address 1", "Address 2"],
    ],
)
def test_rows_of_column_names_are_headers(cells):
    assert looks_like_header(cells)


@pytest.mark.parametrize(
    "cells",
    [
        ["Expo 2026 — Leads report"],
        ["Expo 2026 email list"],
        ["Exported 2026-03-14 10:30", ""],
        ["Contact:", "Mary Smith"],
        ["mary@example.com", "Mary", "+1 415 555 2671"],
        ["Mary", "Smith", "+1 415 555 2671", "Acme"],
        ["Mary", "Smith", "Acme", "Director"],
        ["Company", "Acme"],
        ["", "", ""],
        [],
    ],
)
def test_titles_and_data_rows_are_not_headers(cells):
    assert not looks_like_header(cells)


def test_an_email_column_beside_unknown_headings_is_a_header():
    assert looks_like_header(["Email", "Badge ID"])
    assert looks_like_header(["Badge ID", "Mobile"])
