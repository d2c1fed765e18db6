"""Retargeting files for Google Ads, Meta, X, LinkedIn and AdRoll: normalised and
hashed as each platform documents (checked against SHA-256 values of literal
normalised strings, worked out here, not by the code under test), exact headers,
only members whose consent allows it, neutralised cells, managers only."""

import csv
import hashlib
import io
import unicodedata

import pytest
from django.urls import reverse

from crm.audiences.models import Audience, AudienceMember
from crm.contact import parse_phone
from crm.models import Lead
from crm.retargeting import normalise
from crm.retargeting.files import audience_csv
from crm.retargeting.formats import ADROLL, FORMATS, GOOGLE, LINKEDIN, META, X
from crm.retargeting.selectors import audience_export_leads
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

# Known vectors: SHA-256 (lowercase hex) of normalised values.
TEST_EMAIL = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"  # test@example.com
PLUS_E164 = "cb6880e416769253645cb9c6b8989154bf66a56a77fc14c81fb1019663cbb928"  # +14155552671
DIGITS = "758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0"  # 14155552671
MARY_ANN = "343b97011010c3549fe7fcd6c226ed9431ea37b0b77ed78f6300a0098925faf1"  # mary ann
MARYANN = "16b3f07f0ec2f9dd127b71dc2e6c791b7d93116a1c3bc99d057eaa7a8a077e73"  # maryann
OCONNOR = "7a0fbfdf40cbeb97429bdb88f512cecd27f0d44b7e57986ab578423bb61936ac"  # oconnor
SPRINGFIELD = "7ba84b57db28dcd3757ae13ee1c5ad77a194ae45575e72491bdcd8118babe0f4"  # springfield
IL = "a0fb903525dc10dccaa4bd72bed4fe5b24ae8346b8a7343edce84172feb7085a"  # il
ZIP_62701 = "eae6cb1ba4f19dd439cd7cab6c281f6c2128ff188f395475df437309d78823c8"  # 62701
US = "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"  # us
SW1A1 = "949af780a19e6f6d4b99d7044743348dbbb7ab2245fe146863573b23d02c5890"  # sw1a1
ZOE = "2752b88686847fa5c86f47b94ce652b7b3f22a91c37617d451a4db9afa431450"  # zoë (NFC)

GOOGLE_HEADERS = ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"]
META_HEADERS = ["email", "phone", "fn", "ln", "ct", "st", "zip", "country"]
LINKEDIN_HEADERS = [
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "employeecompany",
    "country",
    "googleaid",
]
PLATFORMS = ["google", "meta", "x", "linkedin", "adroll"]  # every platform the brief names


def sha256(normalised: str) -> str:
    """Worked out here from a literal, not by the code under test."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def member(audience: Audience, **fields) -> Lead:
    lead = LeadFactory(**({"email_consent": Lead.EmailConsent.CONFIRMED} | fields))
    AudienceMember.objects.create(audience=audience, lead=lead)
    return lead


@pytest.fixture
def audience() -> Audience:
    return Audience.objects.create(name="Expo 2026 and a white paper")


def rows(audience: Audience, layout) -> list[list[str]]:
    text = "".join(audience_csv(audience, layout))
    return list(csv.reader(io.StringIO(text)))


# Hashing and normalising: known vectors


def test_the_hash_is_lowercase_hex_sha256():
    assert normalise.sha256_hex("test@example.com") == TEST_EMAIL
    assert hashlib.sha256(b"test@example.com").hexdigest() == TEST_EMAIL
    assert normalise.sha256_hex("") == ""  # nothing stays nothing


def test_an_email_is_trimmed_and_lowercased_before_hashing():
    normalised = normalise.normalise_email(" Test@Example.COM ")

    assert normalised == "test@example.com"
    assert normalise.sha256_hex(normalised) == TEST_EMAIL


def test_gmail_dots_are_kept():
    assert normalise.normalise_email("Jane.Doe@Gmail.com") == "jane.doe@gmail.com"


def test_a_phone_is_e164_for_google_and_digits_for_meta():
    stored = parse_phone("+1 (415) 555-2671").e164  # as every entry path stores it

    assert normalise.phone_e164(stored) == "+14155552671"
    assert normalise.phone_digits(stored) == "14155552671"
    assert normalise.sha256_hex(normalise.phone_e164(stored)) == PLUS_E164
    assert normalise.sha256_hex(normalise.phone_digits(stored)) == DIGITS


def test_names_for_google_keep_single_spaces_and_lose_punctuation_in_the_last_name():
    assert normalise.google_first_name("  Mary   Ann ") == "mary ann"
    assert normalise.google_last_name(" O'Connor ") == "oconnor"
    assert normalise.sha256_hex(normalise.google_first_name(" Mary  Ann")) == MARY_ANN


def test_names_and_cities_for_meta_are_letters_only():
    assert normalise.meta_name("Mary Ann") == "maryann"
    assert normalise.meta_name("O'Connor-") == "oconnor"
    assert normalise.meta_name("St. Louis 2") == "stlouis"
    assert normalise.sha256_hex(normalise.meta_name("Mary-Ann")) == MARYANN


def test_accented_letters_hash_alike_however_they_were_typed():
    decomposed = unicodedata.normalize("NFD", "Zoë")

    assert normalise.sha256_hex(normalise.meta_name(decomposed)) == ZOE
    assert normalise.sha256_hex(normalise.google_first_name(decomposed)) == ZOE


@pytest.mark.parametrize(
    ("region", "country", "expected"),
    [("Illinois", "US", "il"), ("IL", "US", "il"), ("Île-de-France", "FR", "îledefrance")],
)
def test_a_state_for_meta_is_its_us_code_or_letters_only(region, country, expected):
    assert normalise.meta_state(region, country) == expected


@pytest.mark.parametrize(
    ("postal_code", "country", "expected"),
    [("62701-1234", "US", "62701"), ("SW1A 1AA", "GB", "sw1a1"), ("10115", "DE", "10115")],
)
def test_a_zip_for_meta_follows_the_country(postal_code, country, expected):
    assert normalise.meta_zip(postal_code, country) == expected


# The files


@pytest.fixture
def mary(audience) -> Lead:
    return member(
        audience,
        email=" Test@Example.COM",
        phone="+14155552671",
        first_name="Mary Ann",
        last_name="O'Connor",
        title=" Head of  Sales ",
        company="Acme Corp",
        city="Springfield",
        region="Illinois",
        postal_code="62701",
        country="US",
    )


def test_the_google_file_has_customer_match_headers_and_hashed_contacts(audience, mary):
    assert rows(audience, GOOGLE) == [
        GOOGLE_HEADERS,
        [TEST_EMAIL, PLUS_E164, MARY_ANN, OCONNOR, "US", "62701"],
    ]


def test_the_meta_file_has_customer_list_headers_and_everything_hashed(audience, mary):
    assert rows(audience, META) == [
        META_HEADERS,
        [TEST_EMAIL, DIGITS, MARYANN, OCONNOR, SPRINGFIELD, IL, ZIP_62701, US],
    ]


def test_the_x_file_is_one_column_of_hashed_emails_without_a_header(audience, mary):
    assert rows(audience, X) == [[sha256("test@example.com")]]
    assert sha256("test@example.com") == TEST_EMAIL


def test_the_x_file_leaves_out_members_without_an_email(audience, mary):
    member(audience, email="", phone="+14155552671", first_name="Phone", last_name="Only")

    assert rows(audience, X) == [[TEST_EMAIL]]


def test_the_linkedin_file_follows_the_contact_template(audience, mary):
    assert rows(audience, LINKEDIN) == [
        LINKEDIN_HEADERS,
        [
            sha256("test@example.com"),
            "Mary Ann",
            "O'Connor",
            "Head of Sales",
            "Acme Corp",
            "US",
            "",
        ],
    ]


def test_linkedin_matches_a_member_without_an_email_on_first_and_last_name(audience):
    member(
        audience,
        email="",
        phone="+14155552671",
        first_name=" Zoë ",
        last_name="Dupont",
        title="",
        company="Acme",
        country="fr",
    )
    member(audience, email="", phone="+14155550100", first_name="Nameless", last_name="")

    assert rows(audience, LINKEDIN)[1:] == [["", "Zoë", "Dupont", "", "Acme", "FR", ""]]


def test_the_adroll_file_is_one_column_of_plain_addresses_without_a_header(audience, mary):
    member(audience, email="", phone="+14155550100")

    assert rows(audience, ADROLL) == [["test@example.com"]]


def test_a_formula_in_a_plain_linkedin_cell_is_neutralised(audience):
    member(audience, company="=HYPERLINK(1)")

    assert rows(audience, LINKEDIN)[1][LINKEDIN_HEADERS.index("employeecompany")] == (
        "'=HYPERLINK(1)"
    )


def test_a_british_postcode_goes_to_meta_as_area_district_and_sector(audience):
    member(audience, email="", phone="+442079460958", postal_code="SW1A 1AA", country="GB")

    row = rows(audience, META)[1]

    assert row[META_HEADERS.index("zip")] == SW1A1


def test_missing_values_are_empty_cells_not_hashes_of_nothing(audience):
    member(audience, email="", phone="+14155552671", first_name="", last_name="", country="")

    assert rows(audience, GOOGLE)[1] == ["", PLUS_E164, "", "", "", ""]
    assert rows(audience, META)[1] == ["", DIGITS, "", "", "", "", "", ""]


def test_a_cell_a_spreadsheet_would_run_is_neutralised(audience):
    member(audience, postal_code="=SUM(A1:A9)", country="US")

    assert rows(audience, GOOGLE)[1][-1] == "'=SUM(A1:A9)"


# Who is in a file


def test_only_members_whose_consent_allows_it_are_exported(audience, settings):
    settings.MAIL_SOFT_OPT_IN = False
    consent = Lead.EmailConsent
    confirmed = member(audience, email="confirmed@example.com")
    member(audience, email="pending@example.com", email_consent=consent.PENDING)
    member(audience, email="none@example.com", email_consent=consent.NONE)
    member(audience, email="gone@example.com", email_consent=consent.UNSUBSCRIBED)
    member(
        audience,
        email="customer@example.com",
        email_consent=consent.NONE,
        stage=Lead.Stage.CUSTOMER,
    )
    no_letters = member(audience, email="noletters@example.com", do_not_mail=True)
    member(audience, email="", phone="")  # nothing to match on
    LeadFactory(email="outsider@example.com", email_consent=consent.CONFIRMED)

    exported = list(audience_export_leads(audience))

    assert exported == [confirmed, no_letters]


def test_with_soft_opt_in_customers_are_exported_unless_they_unsubscribed(audience, settings):
    settings.MAIL_SOFT_OPT_IN = True
    consent, customer = Lead.EmailConsent, Lead.Stage.CUSTOMER
    kept = member(
        audience, email="customer@example.com", email_consent=consent.NONE, stage=customer
    )
    member(audience, email="gone@example.com", email_consent=consent.UNSUBSCRIBED, stage=customer)
    member(audience, email="prospect@example.com", email_consent=consent.NONE)

    assert list(audience_export_leads(audience)) == [kept]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_file_holds_only_members_whose_consent_allows_it(audience, settings, platform):
    settings.MAIL_SOFT_OPT_IN = False
    consent = Lead.EmailConsent
    member(audience, email="yes@example.com", first_name="Yes", last_name="Please")
    for state in (consent.PENDING, consent.NONE, consent.UNSUBSCRIBED):
        member(audience, email=f"{state}@example.com", email_consent=state, last_name=state)

    cells = {cell for row in rows(audience, FORMATS[platform]) for cell in row}

    assert {"yes@example.com", sha256("yes@example.com")} & cells
    for state in (consent.PENDING, consent.NONE, consent.UNSUBSCRIBED):
        assert not {f"{state}@example.com", sha256(f"{state}@example.com"), state} & cells


# Downloading


def test_a_manager_downloads_each_file(maria, audience, mary):
    google = maria.get(reverse("retargeting:google", args=[audience.pk]))
    meta = maria.get(f"/audiences/{audience.pk}/export/meta.csv")

    assert google.status_code == meta.status_code == 200
    assert google["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        google["Content-Disposition"] == f'attachment; filename="audience-{audience.pk}-google.csv"'
    )
    body = b"".join(google.streaming_content).decode()
    assert body.startswith("Email,Phone,First Name,Last Name,Country,Zip\r\n")  # no BOM
    assert TEST_EMAIL in body
    assert b"".join(meta.streaming_content).decode().startswith("email,phone,fn,ln,")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_manager_downloads_every_platforms_file_without_a_bom(maria, audience, mary, platform):
    response = maria.get(reverse(f"retargeting:{platform}", args=[audience.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="audience-{audience.pk}-{platform}.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content)
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.decode() == "".join(audience_csv(audience, FORMATS[platform]))


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("role", ["rep", "mailroom"])
def test_only_managers_may_download(client, audience, mary, role, platform):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse(f"retargeting:{platform}", args=[audience.pk]))

    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, audience):
    response = client.get(reverse("retargeting:meta", args=[audience.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_audience_is_not_found(maria):
    assert maria.get(reverse("retargeting:google", args=[999999])).status_code == 404


def test_the_audience_page_links_to_every_platforms_file(maria, audience):
    text = maria.get(audience.get_absolute_url()).text

    assert sorted(FORMATS) == sorted(PLATFORMS)
    for platform in PLATFORMS:
        assert f'href="/audiences/{audience.pk}/export/{platform}.csv"' in text
    for label in ("Google Ads", "Meta", "X (Twitter)", "LinkedIn", "AdRoll"):
        assert label in text
