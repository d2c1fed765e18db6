"""Known vendor exports, as their platforms write them, for the tests here that
import them by guessing alone.

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

from crm.imports.columns import GUESS_SAMPLE_ROWS, MappingGuess, guess_mapping
from crm.imports.files import read_table
from crm.models import Lead

VENDORS = Path(__file__).resolve().parents[3] / "fixtures" / "imports" / "vendors"


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
