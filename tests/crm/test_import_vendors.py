"""Known vendor exports, as their platforms write them, imported by guessing alone.

The files are in tests/fixtures/imports/vendors (its README says where each layout
comes from): an Eventbrite attendee report, Cvent, Zoom and Bizzabo badge-scan
exports, a LinkedIn Lead Gen Form download, a Meta lead ads download, a HubSpot
contact export, a Salesforce contact report and a Data Loader lead extract.
"""

import io
import json
from dataclasses import dataclass, field
from io import StringIO
from itertools import islice
from pathlib import Path

import pytest
from django.core.management import call_command

from crm.imports import columns
from crm.imports.columns import GUESS_SAMPLE_ROWS, MappingGuess, guess_mapping
from crm.imports.files import read_table
from crm.models import Lead, LeadImport

VENDORS = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "vendors"


@dataclass(frozen=True)
class Export:
    file: str
    recognised_as: str
    country: str  # the event's
    mapping: dict[str, str]  # heading -> field, for every column that holds one
    # rows, created, duplicates, invalid
    counts: tuple[int, int, int, int]
    # email (or E.164 phone when the row has no email) -> first name, last name, company
    people: dict[str, tuple[str, str, str]] = field(default_factory=dict)


EVENTBRITE = Export(
    file="eventbrite-attendee-report.csv",
    recognised_as="Eventbrite attendee report",
    country="US",
    mapping={
        "Prefix": "name_prefix",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Suffix": "name_suffix",
        "Email": "email",
        "Home Address 1": "address_line1",
        "Home Address 2": "address_line2",
        "Home City": "city",
        "Home State": "region",
        "Home Zip": "postal_code",
        "Home Country": "country",
        "Home Phone": "phone",
        "Cell Phone": "phone",
        "Job Title": "title",
        "Company": "company",
        "Work Phone": "phone",
    },
    counts=(8, 8, 0, 0),
    people={
        "maria.garcia@northwind.example": ("María", "García López", "Northwind Traders"),
        "john.oneill@contoso.example": ("John", "O'Neill", "Contoso Ltd."),
        "+819012345678": ("Aiko", "Tanaka", "Contoso Ltd."),
        "soren.aero@dtu.example": ("Søren", "Ærø", "Danmarks Tekniske Universitet"),
        "zoe.braendli@braendli.example": ("Zoë", "Brändli", "Brändli AG"),
        "kwame.mensah@fabrikam.example": ("Kwame", "Mensah", "Fabrikam UK"),
        "begona.munoz@adatum.example": ("Begoña", "Muñoz", "Adatum Iberia"),
        "tom.baker@acme.example": ("Tom", "Baker", "Acme"),
    },
)
CVENT = Export(
    file="cvent-leadcapture-leads.xlsx",
    recognised_as="Cvent LeadCapture export",
    country="US",
    mapping={
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Company": "company",
        "Title": "title",
        "Work Phone": "phone",
        "Mobile Phone": "phone",
        "Work Address 1": "address_line1",
        "Work Address 2": "address_line2",
        "Work City": "city",
        "Work State/Prov.": "region",
        "Work Zip/Postal Code": "postal_code",
        "Work Country": "country",
        "Scan Date/Time": "scanned_at",
        "Rating": "rating",
        "Notes": "notes",
    },
    counts=(5, 5, 0, 0),
    people={
        "lukas.schaefer@contoso.example": ("Lukas", "Schäfer", "Contoso GmbH"),
        "amelie.dubois@adatum.example": ("Amélie", "Dubois", "Adatum France"),
        "jane.roe@litware.example": ("Jane", "Roe", "Litware Inc."),
        "wei.chen@tailspin.example": ("Wei", "Chen", "Tailspin Toys Pte Ltd"),
        "olivia.brown@wingtip.example": ("Olivia", "Brown", "Wingtip Toys"),
    },
)
ZOOM = Export(
    file="zoom-lead-retrieval.csv",
    recognised_as="Zoom lead retrieval export",
    country="US",
    mapping={
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Organization": "company",
        "Job Title": "title",
        "Phone Number": "phone",
        "City": "city",
        "State/Province": "region",
        "Country/Region": "country",
        "Scan Time": "scanned_at",
        "Lead Score": "rating",
        "Notes": "notes",
    },
    counts=(5, 4, 1, 0),
    people={
        "priya.raman@woodgrove.example": ("Priya", "Raman", "Woodgrove Bank"),
        "lars.nilsson@fourthcoffee.example": ("Lars", "Nilsson", "Fourth Coffee AB"),
        "+27825550199": ("Sipho", "Dlamini", "Proseware SA"),
        "emily.clarke@northwindhealth.example": ("Emily", "Clarke", "Northwind Health"),
    },
)
BIZZABO = Export(
    file="bizzabo-lead-retrieval.csv",
    recognised_as="Bizzabo lead retrieval export",
    country="US",
    mapping={
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Company": "company",
        "Title": "title",
        "Phone": "phone",
        "Country": "country",
        "Scanned At": "scanned_at",
        "Lead Rating": "rating",
        "Lead Notes": "notes",
    },
    counts=(5, 4, 1, 0),
    people={
        "giulia.rossi@fabrikam.example": ("Giulia", "Rossi", "Fabrikam Italia"),
        "mateus.oliveira@contoso.example": ("Mateus", "Oliveira", "Contoso Brasil"),
        "noa.levi@litware.example": ("Noa", "Levi", "Litware Israel"),
        "ahmed.alfarsi@tailspin.example": ("Ahmed", "Al-Farsi", "Tailspin Gulf"),
    },
)
LINKEDIN = Export(
    file="linkedin-lead-gen-form.csv",
    recognised_as="LinkedIn Lead Gen Form export",
    country="DE",
    mapping={
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Work Email": "email",
        "Phone Number": "phone",
        "Work Phone Number": "phone",
        "Company Name": "company",
        "Job Title": "title",
        "City": "city",
        "State/Province": "region",
        "Zip/Postal Code": "postal_code",
        "Country/Region": "country",
    },
    counts=(4, 4, 0, 0),
    people={
        "hannah.schmidt@gmail.example": ("Hannah", "Schmidt", "Contoso GmbH"),
        "rahul.verma@outlook.example": ("Rahul", "Verma", "Woodgrove Bank"),
        "chloe.martin@yahoo.example": ("Chloé", "Martin", "Adatum France"),
        "daniel.kowalski@wp.example": ("Daniel", "Kowalski", "Fabrikam Polska"),
    },
)
META = Export(
    file="meta-lead-ads.csv",
    recognised_as="Meta lead ads export",
    country="DE",
    mapping={
        "full_name": "full_name",
        "email": "email",
        "phone_number": "phone",
        "company_name": "company",
        "job_title": "title",
        "city": "city",
        "country": "country",
    },
    counts=(5, 5, 0, 0),
    people={
        "zoe.braendli@gmail.example": ("Zoë", "Brändli", "Brändli AG"),
        "juergen.weiss@web.example": ("Jürgen", "Weiß", "Weiß & Söhne GmbH"),
        "begona.munoz@adatum.example": ("Begoña", "Muñoz", "Adatum Iberia"),
        "soren.aero@dtu.example": ("Søren", "Ærø", "Danmarks Tekniske Universitet"),
        "ingrid.ovrebo@fourthcoffee.example": ("Ingrid", "Øvrebø", "Fourth Coffee AS"),
    },
)
HUBSPOT = Export(
    file="hubspot-contacts.csv",
    recognised_as="HubSpot contact export",
    country="US",
    mapping={
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Additional email addresses": "email",
        "Phone Number": "phone",
        "Mobile Phone Number": "phone",
        "Company Name": "company",
        "Job Title": "title",
        "Street Address": "address_line1",
        "City": "city",
        "State/Region": "region",
        "Postal Code": "postal_code",
        "Country/Region": "country",
    },
    counts=(4, 4, 0, 0),
    people={
        "jane.roe@litware.example": ("Jane", "Roe", "Litware Inc."),
        "pierre.lefevre@adatum.example": ("Pierre", "Lefèvre", "Adatum France"),
        "yuki.sato@tailspin.example": ("Yuki", "Sato", "Tailspin Japan KK"),
        "+48221234567": ("Marek", "Nowak", "Fabrikam Polska"),
    },
)
SALESFORCE_REPORT = Export(
    file="salesforce-contacts-report.csv",
    recognised_as="Salesforce contact report",
    country="US",
    mapping={
        "Salutation": "name_prefix",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Title": "title",
        "Account Name": "company",
        "Mailing Street": "address_line1",
        "Mailing City": "city",
        "Mailing State/Province": "region",
        "Mailing Zip/Postal Code": "postal_code",
        "Mailing Country": "country",
        "Phone": "phone",
        "Mobile": "phone",
        "Email": "email",
    },
    # The four footer lines Salesforce appends are read as rows without email or phone.
    counts=(8, 4, 0, 4),
    people={
        "zoe.braendli@braendli.example": ("Zoë", "Brändli", "Brändli AG"),
        "soren.aero@dtu.example": ("Søren", "Ærø", "Danmarks Tekniske Universitet"),
        "begona.munoz@adatum.example": ("Begoña", "Muñoz", "Adatum Iberia"),
        "+14155552671": ("Emily", "Clarke", "Northwind Health"),
    },
)
SALESFORCE_DATA_LOADER = Export(
    file="salesforce-dataloader-leads.csv",
    recognised_as="Salesforce Data Loader lead export",
    country="US",
    mapping={
        "SALUTATION": "name_prefix",
        "FIRSTNAME": "first_name",
        "LASTNAME": "last_name",
        "TITLE": "title",
        "COMPANY": "company",
        "EMAIL": "email",
        "PHONE": "phone",
        "MOBILEPHONE": "phone",
        "STREET": "address_line1",
        "CITY": "city",
        "STATE": "region",
        "POSTALCODE": "postal_code",
        "COUNTRY": "country",
        "RATING": "rating",
        "DESCRIPTION": "notes",
    },
    counts=(3, 3, 0, 0),
    people={
        "liam.murphy@contoso.example": ("Liam", "Murphy", "Contoso Ireland"),
        "fatima.zahra@proseware.example": ("Fatima", "Zahra", "Proseware Maroc"),
        "+351912345678": ("Ana", "Sousa", "Fabrikam Portugal"),
    },
)
EXPORTS = [
    pytest.param(export, id=export.file)
    for export in (
        EVENTBRITE,
        CVENT,
        ZOOM,
        BIZZABO,
        LINKEDIN,
        META,
        HUBSPOT,
        SALESFORCE_REPORT,
        SALESFORCE_DATA_LOADER,
    )
]


def guess(export: Export) -> tuple[list[str], MappingGuess]:
    """The header and the guess, from the file as an upload reads it."""
    path = VENDORS / export.file
    with read_table(io.BytesIO(path.read_bytes()), path.name) as table:
        samples = [row.cells for row in islice(table.rows, GUESS_SAMPLE_ROWS)]
        return table.header, guess_mapping(table.header, samples=samples)


def by_heading(header: list[str], mapping: dict[int, str]) -> dict[str, str]:
    return {header[index]: field for index, field in mapping.items()}


def import_leads(export: Export) -> dict:
    out = StringIO()
    path = str(VENDORS / export.file)
    arguments = ["--event", "Expo 2026", "--country", export.country, "--json"]
    call_command("import_leads", path, *arguments, stdout=out)
    return json.loads(out.getvalue())


def lead(key: str) -> Lead:
    return Lead.objects.get(phone=key) if key.startswith("+") else Lead.objects.get(email=key)


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


@pytest.mark.django_db
@pytest.mark.parametrize("export", EXPORTS)
def test_a_known_export_imports_its_people_from_the_command_line(export):
    result = import_leads(export)

    rows, created, duplicates, invalid = export.counts
    assert (result["rows"], result["created"], result["duplicates"], result["invalid"]) == (
        rows,
        created,
        duplicates,
        invalid,
    )
    assert Lead.objects.count() == created
    for key, (first, last, company) in export.people.items():
        person = lead(key)
        assert (person.first_name, person.last_name, person.company) == (first, last, company)
    lead_import = LeadImport.objects.get()
    assert lead_import.recognised_as == export.recognised_as
    header, _ = guess(export)
    assert sorted(map(int, lead_import.mapping_reasons)) == list(range(len(header)))


@pytest.mark.django_db
def test_an_eventbrite_report_keeps_prefixes_suffixes_phones_and_every_other_column():
    import_leads(EVENTBRITE)

    maria = lead("maria.garcia@northwind.example")
    assert (maria.name_prefix, maria.phone, maria.city, maria.region) == (
        "Dr.",
        "+12175550143",
        "Springfield",
        "IL",
    )
    john = lead("john.oneill@contoso.example")
    assert (john.name_prefix, john.name_suffix, john.phone) == ("Mr", "Jr.", "+13125550178")
    soren = lead("soren.aero@dtu.example")
    assert (soren.name_prefix, soren.name_suffix, soren.country) == ("Prof.", "PhD", "DK")
    # A national number is read in the row's country, an international one as written.
    assert lead("zoe.braendli@braendli.example").phone == "+41791234567"
    assert lead("kwame.mensah@fabrikam.example").phone == "+447911123456"
    assert lead("+819012345678").country == "JP"
    visit = maria.interactions.get()
    assert visit.data["extra"]["Attendee #"] == "15519876401"
    assert visit.data["extra"]["Order #"] == "8412233901"
    assert visit.data["extra"]["Ticket Type"] == "Full Conference Pass"
    assert visit.data["extra"]["How did you hear about this event?"] == "LinkedIn"


@pytest.mark.django_db
def test_a_badge_scan_export_keeps_the_rating_notes_and_answers_on_the_booth_visit():
    import_leads(CVENT)

    visit = lead("lukas.schaefer@contoso.example").interactions.get()
    assert visit.notes == "Wants a demo for 40 reps"
    assert visit.data["rating"] == "Hot"
    assert visit.data["extra"]["Captured By"] == "Ana Sales"
    assert visit.data["extra"]["Which products are you evaluating?"] == "Lead retrieval; Call queue"
    # Numbers Excel stored as numbers, in the row's country.
    assert lead("wei.chen@tailspin.example").phone == "+6591234567"
    assert lead("lukas.schaefer@contoso.example").phone == "+4930901820"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "email", "notes"),
    [
        pytest.param(
            ZOOM,
            "priya.raman@woodgrove.example",
            "Asked about SSO\nCame back with her CTO; send pricing",
            id="zoom",
        ),
        pytest.param(
            BIZZABO,
            "giulia.rossi@fabrikam.example",
            "Runs 12 events a year\nSecond visit: wants a quote for 3 events",
            id="bizzabo",
        ),
    ],
)
def test_a_person_scanned_twice_is_one_lead_with_one_visit_holding_both_rows(export, email, notes):
    import_leads(export)

    visit = lead(email).interactions.get()
    assert visit.data["rows"] == [2, 4]
    assert visit.notes == notes


@pytest.mark.django_db
def test_a_scanners_own_email_is_never_taken_for_the_attendees():
    import_leads(ZOOM)

    assert not Lead.objects.filter(email__endswith="@northwind.example").exists()
    sipho = lead("+27825550199")
    assert sipho.email == ""
    assert sipho.interactions.get().data["extra"]["Scanner Email"] == "ana.sales@northwind.example"


@pytest.mark.django_db
def test_a_meta_download_in_utf16_keeps_accents_and_reads_prefixed_phones():
    import_leads(META)

    jurgen = lead("juergen.weiss@web.example")
    assert (jurgen.phone, jurgen.country, jurgen.city) == ("+4917612345678", "DE", "Köln")
    assert lead("ingrid.ovrebo@fourthcoffee.example").phone == "+4791234567"
    extra = jurgen.interactions.get().data["extra"]
    assert (extra["id"], extra["platform"], extra["when_do_you_plan_to_buy?"]) == (
        "l:1092837465019377",
        "ig",
        "next_quarter",
    )


@pytest.mark.django_db
def test_a_linkedin_download_takes_the_first_email_and_keeps_the_consent_answer():
    import_leads(LINKEDIN)

    hannah = lead("hannah.schmidt@gmail.example")
    assert hannah.phone == "+4915123456789"
    extra = hannah.interactions.get().data["extra"]
    assert extra["I agree to receive marketing communications from Northwind Traders."] == "Yes"
    assert extra["Lead Type"] == "SPONSORED"


@pytest.mark.django_db
def test_a_salesforce_report_in_its_western_european_encoding_keeps_names_and_salutations():
    result = import_leads(SALESFORCE_REPORT)

    zoe = lead("zoe.braendli@braendli.example")
    assert (zoe.name_prefix, zoe.phone, zoe.country) == ("Ms.", "+41441234567", "CH")
    assert zoe.address_line1 == "Bahnhofstrasse 10\n4. Stock"
    assert lead("begona.munoz@adatum.example").name_prefix == "Mrs."
    assert [error["message"] for error in result["errors"]] == ["No email or phone."] * 4


@pytest.mark.django_db
def test_a_data_loader_extract_keeps_the_rating_and_description_on_the_visit():
    import_leads(SALESFORCE_DATA_LOADER)

    liam = lead("liam.murphy@contoso.example")
    assert (liam.name_prefix, liam.phone, liam.country) == ("Mr.", "+35315550123", "IE")
    visit = liam.interactions.get()
    assert visit.notes == "Met at the booth; wants a call on Tuesday"
    assert visit.data["rating"] == "Hot"
    assert visit.data["extra"]["ID"] == "00Q5g00000AbCdEFG1"


@pytest.mark.django_db
def test_a_hubspot_export_takes_the_contacts_own_email_first():
    import_leads(HUBSPOT)

    jane = lead("jane.roe@litware.example")
    assert (jane.phone, jane.region) == ("+16465550100", "NY")
    assert jane.interactions.get().data["extra"]["Record ID"] == "51234567801"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "key", "contacts"),
    [
        pytest.param(
            EVENTBRITE,
            "kwame.mensah@fabrikam.example",
            {("phone", "+442079460321", "Work Phone")},
            id="eventbrite work phone",
        ),
        pytest.param(
            EVENTBRITE,
            "john.oneill@contoso.example",
            {("phone", "+13125550179", "Cell Phone")},
            id="eventbrite cell phone",
        ),
        pytest.param(
            HUBSPOT,
            "jane.roe@litware.example",
            {
                ("email", "jane.roe@gmail.example", "Additional email addresses"),
                ("email", "jroe@litware-old.example", "Additional email addresses"),
                ("phone", "+16465550101", "Mobile Phone Number"),
            },
            id="hubspot",
        ),
        pytest.param(
            LINKEDIN,
            "hannah.schmidt@gmail.example",
            {
                ("email", "h.schmidt@contoso.example", "Work Email"),
                ("phone", "+49891234567", "Work Phone Number"),
            },
            id="linkedin",
        ),
        pytest.param(
            SALESFORCE_REPORT,
            "zoe.braendli@braendli.example",
            {("phone", "+41791234567", "Mobile")},
            id="salesforce report",
        ),
        pytest.param(
            SALESFORCE_DATA_LOADER,
            "liam.murphy@contoso.example",
            {("phone", "+353871234567", "MOBILEPHONE")},
            id="data loader",
        ),
    ],
)
def test_every_other_phone_and_address_of_an_export_is_kept_with_its_column(export, key, contacts):
    import_leads(export)

    assert set(lead(key).contact_points.values_list("kind", "value", "label")) == contacts


@pytest.mark.django_db
def test_an_eventbrite_work_phone_keeps_its_extension():
    import_leads(EVENTBRITE)

    work = lead("maria.garcia@northwind.example").contact_points.get(label="Work Phone")
    assert (work.value, work.extension) == ("+12175550199", "204")


@pytest.mark.django_db
def test_a_later_list_with_an_additional_address_finds_the_same_person(tmp_path):
    import_leads(HUBSPOT)
    later = tmp_path / "webinar.csv"
    later.write_text("Email,Company\nJane.Roe@gmail.example,Litware\n", encoding="utf-8")

    out = StringIO()
    call_command("import_leads", str(later), "--event", "Webinar", "--json", stdout=out)

    assert json.loads(out.getvalue())["updated"] == 1
    assert lead("jane.roe@litware.example").interactions.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "email", "rows"),
    [
        pytest.param(ZOOM, "priya.raman@woodgrove.example", [2, 4], id="zoom"),
        pytest.param(BIZZABO, "giulia.rossi@fabrikam.example", [2, 4], id="bizzabo"),
    ],
)
def test_each_scan_of_a_badge_scanned_twice_is_kept_with_its_time(export, email, rows):
    import_leads(export)

    scans = lead(email).interactions.get().data["scans"]
    assert [scan["row"] for scan in scans] == rows
    assert all(scan["scanned_at"] for scan in scans)
    assert scans[0]["scanned_at"] < scans[1]["scanned_at"]


@pytest.mark.django_db
def test_a_zoom_rescan_keeps_each_scans_rating():
    import_leads(ZOOM)

    scans = lead("priya.raman@woodgrove.example").interactions.get().data["scans"]
    assert [scan["rating"] for scan in scans] == ["5", "4"]


@pytest.mark.django_db
def test_a_bizzabo_rescan_keeps_who_scanned_the_second_time():
    import_leads(BIZZABO)

    visit = lead("giulia.rossi@fabrikam.example").interactions.get()
    assert visit.data["scans"][1]["extra"]["Scanned By"] == "Ben Booth"


@pytest.mark.django_db
def test_a_leads_zone_follows_its_country_when_its_phone_is_from_elsewhere():
    import_leads(SALESFORCE_DATA_LOADER)

    assert lead("liam.murphy@contoso.example").time_zone == "Europe/Dublin"
