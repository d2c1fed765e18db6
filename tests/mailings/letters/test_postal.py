import pytest

from mailings.letters.postal import (
    PostalAddress,
    address_lines,
    address_problems,
    lead_address,
    return_address,
)
from tests.factories import LeadFactory


def springfield(**changes) -> PostalAddress:
    fields = {
        "name": "Jane Public",
        "line1": "100 Main St.",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    return PostalAddress(**{**fields, **changes})


def test_us_address_puts_city_state_and_zip_on_one_line_in_capitals():
    lines = address_lines(springfield(), sender_country="US")

    assert lines == ["Jane Public", "100 Main St.", "SPRINGFIELD IL 62701"]


def test_us_last_line_drops_punctuation_and_spells_the_state_as_its_code():
    address = springfield(city="St. Louis", region="Missouri", postal_code="63101-1234")

    assert address_lines(address, sender_country="US")[-1] == "ST LOUIS MO 63101-1234"


def test_canadian_and_australian_localities_read_city_province_postcode():
    ottawa = PostalAddress(
        "A. Person", line1="111 Wellington St", city="Ottawa", region="Ontario",
        postal_code="k1a0a9", country="CA",
    )  # fmt: skip
    sydney = PostalAddress(
        "A. Person", line1="1 Macquarie St", city="Sydney", region="NSW",
        postal_code="2000", country="AU",
    )  # fmt: skip

    assert address_lines(ottawa, sender_country="CA")[-1] == "OTTAWA ON K1A 0A9"
    assert address_lines(sydney, sender_country="US")[-2:] == ["SYDNEY NSW 2000", "AUSTRALIA"]


def test_german_address_puts_the_postal_code_before_the_city():
    berlin = PostalAddress(
        "Erika Mustermann", line1="Invalidenstraße 117", city="Berlin",
        postal_code="10115", country="DE",
    )  # fmt: skip

    assert address_lines(berlin, sender_country="DE") == [
        "Erika Mustermann",
        "Invalidenstraße 117",
        "10115 Berlin",
    ]


def test_french_city_is_printed_in_capitals_after_the_postal_code():
    paris = PostalAddress(
        "Marie Curie", line1="55 rue du Faubourg Saint-Honoré", city="Paris",
        postal_code="75008", country="FR",
    )  # fmt: skip

    assert address_lines(paris, sender_country="FR")[-1] == "75008 PARIS"


def test_italian_address_adds_the_province_after_the_city():
    rome = PostalAddress(
        "Mario Rossi", line1="Via Roma 1", city="Roma", region="rm",
        postal_code="00144", country="IT",
    )  # fmt: skip

    assert address_lines(rome, sender_country="IT")[-1] == "00144 Roma RM"


def test_british_post_town_and_postcode_take_their_own_lines():
    london = PostalAddress(
        "Sherlock Holmes", line1="221B Baker Street", city="London",
        region="Greater London", postal_code="nw16xe", country="GB",
    )  # fmt: skip

    assert address_lines(london, sender_country="GB") == [
        "Sherlock Holmes",
        "221B Baker Street",
        "LONDON",
        "NW1 6XE",
    ]


def test_country_line_is_printed_only_for_international_mail():
    berlin = PostalAddress("Erika", line1="Unter den Linden 1", city="Berlin",
                           postal_code="10117", country="DE")  # fmt: skip

    assert address_lines(berlin, sender_country="US")[-1] == "GERMANY"
    assert address_lines(berlin, sender_country="DE")[-1] == "10117 Berlin"
    assert address_lines(springfield(), sender_country="DE")[-1] == "UNITED STATES"


def test_country_names_are_the_short_english_names_in_capitals():
    seoul = PostalAddress("Kim", line1="1 Sejong-daero", city="Seoul", postal_code="04524",
                          country="KR")  # fmt: skip
    kinshasa = PostalAddress("Ilunga", line1="1 Bd du 30 Juin", city="Kinshasa", country="CD")

    assert address_lines(seoul, sender_country="US")[-1] == "SOUTH KOREA"
    assert address_lines(kinshasa, sender_country="US")[-1] == "DEMOCRATIC REPUBLIC OF THE CONGO"


def test_organisation_follows_the_name_and_empty_parts_are_skipped():
    address = springfield(organisation="Acme Corp", line2="", region="")

    assert address_lines(address, sender_country="US") == [
        "Jane Public",
        "Acme Corp",
        "100 Main St.",
        "SPRINGFIELD 62701",
    ]


def test_an_address_never_needs_more_than_six_lines():
    london = PostalAddress(
        "Sherlock Holmes", organisation="Consulting Detectives Ltd", line1="221B Baker Street",
        line2="Second floor", city="London", postal_code="NW1 6XE", country="GB",
    )  # fmt: skip

    lines = address_lines(london, sender_country="US")

    assert lines == [
        "Sherlock Holmes",
        "Consulting Detectives Ltd",
        "221B Baker Street, Second floor",
        "LONDON",
        "NW1 6XE",
        "UNITED KINGDOM",
    ]


def test_control_characters_and_runs_of_spaces_never_reach_the_envelope():
    address = springfield(name="Jane\n  Public\t", line1="100\x00 Main   St.")

    assert address_lines(address, sender_country="US")[:2] == ["Jane Public", "100 Main St."]


def test_a_complete_address_has_no_problems():
    assert address_problems(springfield()) == []


def test_address_problems_say_what_is_missing():
    empty = PostalAddress(name="Jane Public", country="US")

    assert address_problems(empty) == ["no street", "no city", "no postal code", "no state"]
    assert address_problems(PostalAddress(name="Jane", line1="1 Rd", city="X")) == ["no country"]
    assert address_problems(springfield(name="")) == ["no name"]


@pytest.mark.parametrize(
    ("country", "good", "bad"),
    [
        ("US", "62701-1234", "6270"),
        ("CA", "K1A 0B1", "K1A 0D1"),
        ("GB", "SW1A 1AA", "SW1A 1A"),
        ("DE", "10115", "1234"),
        ("FR", "75008", "7500"),
        ("NL", "1012 AB", "0123 AB"),
        ("AT", "1010", "10100"),
        ("CH", "8001", "80010"),
        ("IT", "00144", "0014"),
        ("ES", "28001", "53001"),
        ("AU", "2000", "200"),
    ],
)
def test_postal_codes_must_have_the_countrys_format(country, good, bad):
    region = {"US": "IL", "CA": "ON", "AU": "NSW"}.get(country, "")

    def address(code: str) -> PostalAddress:
        return PostalAddress("Jane", line1="1 Road", city="Town", region=region,
                             postal_code=code, country=country)  # fmt: skip

    assert address_problems(address(good)) == []
    assert address_problems(address(bad)) == [
        f"postal code {bad} is not a valid {country} postal code"
    ]


def test_postal_code_is_required_only_where_the_country_uses_them():
    hong_kong = PostalAddress("Chan", line1="1 Queen's Rd", city="Hong Kong", country="HK")
    japan = PostalAddress("Sato", line1="1-1 Chiyoda", city="Tokyo", country="JP")

    assert address_problems(hong_kong) == []
    assert address_problems(japan) == ["no postal code"]


def test_us_state_and_country_code_must_exist():
    assert address_problems(springfield(region="XX")) == ["XX is not a US state"]
    assert address_problems(springfield(region="California")) == []
    assert address_problems(springfield(country="ZZ")) == ["ZZ is not a country code"]


@pytest.mark.django_db
def test_lead_address_takes_name_company_and_address_from_the_lead():
    lead = LeadFactory(
        first_name="Jane", last_name="Public", company="Acme Corp",
        address_line1="100 Main St", address_line2="Suite 5", city="Springfield",
        region="IL", postal_code="62701", country="us",
    )  # fmt: skip

    assert lead_address(lead) == PostalAddress(
        name="Jane Public", organisation="Acme Corp", line1="100 Main St", line2="Suite 5",
        city="Springfield", region="IL", postal_code="62701", country="US",
    )  # fmt: skip


def test_return_address_comes_from_letter_return_address_when_set(settings):
    settings.LETTER_RETURN_ADDRESS = ["Acme Corp", "PO Box 1", "SPRINGFIELD IL 62701"]

    assert return_address() == ["Acme Corp", "PO Box 1", "SPRINGFIELD IL 62701"]


def test_return_address_falls_back_to_the_one_line_mail_postal_address(settings):
    settings.LETTER_RETURN_ADDRESS = None
    settings.MAIL_POSTAL_ADDRESS = "Follow-up CRM, 1 Example Street, Springfield, IL 62701, USA"

    assert return_address() == [
        "Follow-up CRM",
        "1 Example Street",
        "Springfield, IL 62701",
        "USA",
    ]
