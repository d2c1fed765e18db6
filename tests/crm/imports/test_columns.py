import pytest

from crm.imports.columns import VALUES_ARE_EMAILS, VALUES_ARE_IDS, guess_mapping, recognise_layout
from crm.imports.fields import FIELDS
from crm.imports.headings import NO_KNOWN_HEADING, guess_field, looks_like_header, normalise_heading
from crm.imports.vendors import VENDOR_LAYOUTS

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
    "notes": ["Notes", "Note", "Comments", "Comment", "Remarks", "Description"],
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
        ("Work State/Prov.", "region"),
        ("MAILINGCITY", "city"),
        ("HOMEPHONE", "phone"),
        ("Additional email addresses", "email"),
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
        "Scanned By",
        "Scanner Email",
        "Contact owner",
        "Assistant Phone",
        "Emergency contact phone",
        "I agree to receive emails from Northwind about its products and events.",
        "Would you like a call back?",
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


@pytest.mark.parametrize(
    ("heading", "reason"),
    [
        ("Attendee #", "not a name: “Attendee #” numbers attendees"),
        ("Attendee No.", "not a name: “Attendee No.” numbers attendees"),
        ("Attendee ID", "not a name: “Attendee ID” identifies attendees"),
        ("Order #", "not a name: “Order #” numbers orders"),
        ("Ticket #", "not a name: “Ticket #” numbers tickets"),
        ("Registration number", "not a name: “Registration number” numbers registrations"),
        ("Badge ID", "not a name: “Badge ID” identifies badges"),
        ("Contact ID", "not a name: “Contact ID” identifies contacts"),
        ("Lead ID", "not a name: “Lead ID” identifies leads"),
        ("ID", "not a name: “ID” is a number or an identifier"),
    ],
)
def test_columns_that_number_people_or_orders_are_never_names(heading, reason):
    samples = [["Mary Smith", "15519876401"], ["Tom Baker", "15519876402"]]

    guess = guess_mapping(["Name", heading], samples=samples)

    assert guess.mapping == {0: "full_name"}
    assert guess.reasons[1] == reason


def test_a_name_column_whose_values_are_mostly_numbers_is_not_a_name():
    samples = [["15519876401", "a@example.com"], ["15519876402", "b@example.com"], ["", ""]]

    guess = guess_mapping(["Attendee", "Email"], samples=samples)

    assert guess.mapping == {1: "email"}
    assert guess.reasons[0] == VALUES_ARE_IDS


def test_a_name_column_with_a_few_odd_values_stays_a_name():
    samples = [["Mary Smith"], ["Tom Baker"], ["B-12"]]

    assert guess_mapping(["Attendee"], samples=samples).mapping == {0: "full_name"}


@pytest.mark.parametrize("heading", ["", "Column C", "Contact info", "Who"])
def test_a_column_without_a_telling_heading_holding_email_addresses_is_email(heading):
    samples = [["Mary Smith", "mary@example.com"], ["Tom Baker", " MAILTO:Tom@Example.org "]]

    guess = guess_mapping(["Name", heading], samples=samples)

    assert guess.mapping == {0: "full_name", 1: "email"}
    assert guess.reasons[1] == VALUES_ARE_EMAILS


def test_a_column_with_some_email_addresses_and_other_text_is_not_guessed_as_email():
    samples = [["mary@example.com"], ["ask at the desk"]]

    assert guess_mapping(["Column C"], samples=samples).mapping == {}


@pytest.mark.parametrize(
    ("heading", "field"),
    [("Rep Notes", "notes"), ("Staff rating", "rating"), ("Owner Email", ""), ("Rep", "")],
)
def test_a_column_about_someone_else_can_hold_the_visits_notes_but_not_a_contact(heading, field):
    assert guess_field(heading) == field


def test_the_email_of_someone_else_on_the_row_is_never_the_leads():
    samples = [["mary@example.com", "ana.sales@northwind.example"]]

    guess = guess_mapping(["Email", "Scanned By"], samples=samples)

    assert guess.mapping == {0: "email"}
    assert guess.reasons[1].startswith("“Scanned By” is about someone other than the person")


@pytest.mark.parametrize(
    ("header", "reasons"),
    [
        (["E-Mail-Adresse"], ["“E-Mail-Adresse” is a usual heading for Email"]),
        (
            ["Attendee First Name"],
            ["“Attendee First Name” is a usual heading for First name: “Attendee” only says whose"],
        ),
        (
            ["Mailing City"],
            ["“Mailing City” is a usual heading for City: “Mailing” only says which one"],
        ),
        (
            ["Phone (optional)"],
            ["“Phone (optional)” is a usual heading for Phone: “optional” only qualifies it"],
        ),
        (["Direct Phone Number"], ["“Direct Phone Number” mentions a phone"]),
        (["Hotel"], [NO_KNOWN_HEADING]),
        (
            ["Country code"],
            ["“Country code” is a number or an identifier: kept with each booth visit"],
        ),
        (
            ["Email opt-in"],
            [
                "“Email opt-in” says something about the contact, not the contact itself: "
                "kept with each booth visit"
            ],
        ),
        (
            ["Company", "Employer"],
            [
                "“Company” is a usual heading for Company",
                "Company comes from “Company”: kept with each booth visit",
            ],
        ),
        (
            ["Email", "How did you hear about us?"],
            [
                "“Email” is a usual heading for Email",
                "“How did you hear about us?” reads as a question: its answers are kept with each "
                "booth visit",
            ],
        ),
    ],
)
def test_each_column_says_in_plain_words_why_it_was_guessed(header, reasons):
    assert list(guess_mapping(header).reasons.values()) == reasons


def test_a_remembered_mapping_says_whose_it_was():
    guess = guess_mapping(
        ["Email", "Org", "Remarks"], {"org": "company", "remarks": ""}, source="Expo badge scanner"
    )

    assert guess.reasons == {
        0: "“Email” is a usual heading for Email",
        1: "as mapped last time for “Expo badge scanner”",
        2: "left out last time for “Expo badge scanner”: kept with each booth visit",
    }


def test_a_known_export_is_recognised_and_its_columns_explained_in_its_vendors_words():
    header = ["Order #", "First Name", "Email", "Ticket Type", "Attendee #", "Attendee Status"]
    header += ["Cell Phone"]

    guess = guess_mapping(header)

    assert guess.recognised_as == "Eventbrite attendee report"
    assert guess.reasons[6] == "Eventbrite attendee report: the attendee's cell phone"
    assert guess.reasons[4] == "not a name: “Attendee #” numbers attendees"


def test_a_header_missing_one_signature_heading_is_not_taken_for_the_vendors_export():
    header = ["Order #", "First Name", "Email", "Ticket Type", "Attendee Status"]

    assert guess_mapping(header).recognised_as == ""


@pytest.mark.parametrize("layout", VENDOR_LAYOUTS, ids=lambda layout: layout.name)
def test_each_vendor_layout_is_recognised_by_its_signature_and_only_its_own(layout):
    assert recognise_layout(list(layout.signature)) == layout
    others = [other for other in VENDOR_LAYOUTS if other != layout]
    assert all(recognise_layout(list(other.signature)) != layout for other in others)


@pytest.mark.parametrize("layout", VENDOR_LAYOUTS, ids=lambda layout: layout.name)
def test_vendor_layouts_map_only_to_lead_fields_with_a_note_for_each_column(layout):
    for heading, (field, note) in layout.columns.items():
        assert field in FIELDS or field == "", heading
        assert note, heading
