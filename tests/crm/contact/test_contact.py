import json
from io import StringIO

import pytest
from django.core.management import call_command

from crm.contact import (
    InvalidPhone,
    address_lines,
    country_code,
    country_code_or_text,
    derive_time_zone,
    parse_phone,
)
from crm.models import Lead


@pytest.mark.parametrize(
    ("raw", "country", "e164", "extension"),
    [
        ("(415) 555-2671", "US", "+14155552671", ""),
        ("415.555.2671", "United States", "+14155552671", ""),
        ("+1 415 555 2671 x23", "", "+14155552671", "23"),
        ("020 7946 0958", "GB", "+442079460958", ""),
        ("07911 123456", "United Kingdom", "+447911123456", ""),
        ("030 1234567", "Germany", "+49301234567", ""),
        ("01 42 68 53 00", "FR", "+33142685300", ""),
        (4155552671.0, "USA", "+14155552671", ""),
    ],
)
def test_national_phone_numbers_become_e164(raw, country, e164, extension):
    phone = parse_phone(raw, country=country)
    assert (phone.e164, phone.extension) == (e164, extension)


def test_a_phone_that_is_not_a_number_is_refused_with_the_text():
    with pytest.raises(InvalidPhone, match="12"):
        parse_phone("12", country="US")


def test_empty_phone_is_none():
    assert parse_phone("  ", country="US") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # ISO codes, alpha-2 and alpha-3, in any case
        ("GB", "GB"),
        ("gb", "GB"),
        ("DE", "DE"),
        ("deu", "DE"),
        ("DEU", "DE"),
        ("GBR", "GB"),
        ("che", "CH"),
        ("USA", "US"),
        # English official and common names
        ("United Kingdom", "GB"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("the United States", "US"),
        ("The Netherlands", "NL"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Ivory Coast", "CI"),
        ("Bosnia & Herzegovina", "BA"),
        ("Bosnia and Herzegovina", "BA"),
        ("Guinea", "GN"),
        ("Congo", "CG"),
        # abbreviations, dotted or not
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("U.S.", "US"),
        ("U.S.A", "US"),
        ("U.S.A.", "US"),
        ("U. S. A.", "US"),
        ("UAE", "AE"),
        # a part for the whole
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Northern Ireland", "GB"),
        ("Great Britain", "GB"),
        ("Holland", "NL"),
        # German, French, Spanish, Norwegian
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Österreich", "AT"),
        ("España", "ES"),
        ("Norge", "NO"),
        ("Royaume-Uni", "GB"),
        ("Royaume Uni", "GB"),
        ("États-Unis", "US"),
        ("Irlande", "IE"),
        ("Alemania", "DE"),
        ("Reino Unido", "GB"),
        ("Suiza", "CH"),
        ("Estados Unidos", "US"),
        # Italian
        ("Germania", "DE"),
        ("Regno Unito", "GB"),
        ("Svizzera", "CH"),
        ("Stati Uniti", "US"),
        # Dutch
        ("Duitsland", "DE"),
        ("Verenigd Koninkrijk", "GB"),
        ("Zwitserland", "CH"),
        ("Oostenrijk", "AT"),
        # Polish
        ("Niemcy", "DE"),
        ("Wielka Brytania", "GB"),
        ("Szwajcaria", "CH"),
        ("Stany Zjednoczone", "US"),
        # Portuguese, Swedish, Czech, Hungarian, Finnish, Turkish, Irish
        ("Alemanha", "DE"),
        ("Tyskland", "DE"),
        ("Německo", "DE"),
        ("Németország", "DE"),
        ("Saksa", "DE"),
        ("Almanya", "DE"),
        ("Éire", "IE"),
        # Japanese, Chinese, Korean, Russian, Greek, Arabic, Hebrew
        ("ドイツ", "DE"),
        ("イギリス", "GB"),
        ("スイス", "CH"),
        ("德国", "DE"),
        ("中国", "CN"),
        ("독일", "DE"),
        ("대한민국", "KR"),
        ("Германия", "DE"),
        ("Россия", "RU"),
        ("Γερμανία", "DE"),
        ("ألمانيا", "DE"),
        ("גרמניה", "DE"),
    ],
)
def test_country_names_in_any_language_and_codes_become_iso_codes(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("  Deutschland ", "DE"),
        ("GERMANY", "DE"),
        ("allemagne", "DE"),
        ("".join(chr(ord(letter) + 0xFEE0) for letter in "DEUTSCHLAND"), "DE"),  # full width
        ("Öster\u00adreich", "AT"),  # a soft hyphen pasted from a web page
        ("guinea\u2013bissau", "GW"),  # an en dash
        ("Cote d'Ivoire", "CI"),  # CLDR writes it with a curly apostrophe
        ("St. Lucia", "LC"),
        ("Großbritannien", ""),  # colloquial German, not a CLDR name
    ],
)
def test_country_names_are_read_whatever_their_case_spaces_and_punctuation(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Osterreich", "AT"),
        ("OSTERREICH", "AT"),
        ("Espana", "ES"),
        ("Etats-Unis", "US"),
        ("Turkiye", "TR"),
        ("Nemecko", "DE"),
        ("Suica", "CH"),
    ],
)
def test_country_names_typed_without_their_accents_are_read(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "Atlantis",
        "N/A",
        "n.a.",
        "-",
        "123",
        "",
        "   ",
        None,
        "Korea",  # North or South
        # CLDR territories that are no country: continents, unions, unknown, outlying
        "Europe",
        "001",
        "150",
        "EU",
        "European Union",
        "UN",
        "United Nations",
        "QO",
        "ZZ",
        "Unknown Region",
        "World",
    ],
)
def test_what_is_not_a_country_is_empty(text):
    assert country_code(text) == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Kongo: the Republic of the Congo in 38 languages, the Democratic Republic in
        # Norwegian: a clear majority.
        ("Kongo", "CG"),
        # Breton and Friulian mean Saint-Martin (MF), Occitan Sint Maarten (SX).
        ("Sant Martin", ""),
        # Bosnian (Cyrillic) means CG, Chuvash and Kazakh CD.
        ("Конго", ""),
        # Vietnamese for Russia, but Nigeria's alpha-3 code: codes come first.
        ("Nga", "NG"),
    ],
)
def test_a_name_that_means_different_countries_is_read_only_by_a_clear_majority(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("text", "filtered"),
    [("Allemagne", "DE"), ("u.s.a.", "US"), ("Atlantis", "ATLANTIS")],
)
def test_the_country_filter_reads_any_name_and_keeps_unknown_text(text, filtered):
    assert country_code_or_text(text) == filtered


@pytest.mark.parametrize(
    ("phone", "country", "region", "zone"),
    [
        ("+14155552671", "", "", "America/Los_Angeles"),
        ("+49301234567", "", "", "Europe/Berlin"),
        ("", "US", "TX", "America/Chicago"),
        ("", "US", "Colorado", "America/Denver"),
        ("", "FR", "", "Europe/Paris"),
        ("+18005550100", "US", "WA", "America/Los_Angeles"),
    ],
)
def test_time_zone_comes_from_phone_then_address(phone, country, region, zone):
    assert derive_time_zone(phone=phone, country=country, region=region) == zone


@pytest.mark.parametrize(
    ("phone", "country", "zone"),
    [
        ("+447400123456", "GB", "Europe/London"),  # UK mobiles also cover Guernsey, Jersey, ...
        ("+34612345678", "ES", "Europe/Madrid"),  # Spanish mobiles also cover the Canaries
        ("+19075551234", "", "America/Anchorage"),  # one zone of several: the main one, Alaska
    ],
)
def test_a_number_spanning_several_zones_takes_the_countrys_main_one(phone, country, zone):
    assert derive_time_zone(phone=phone, country=country) == zone


@pytest.mark.parametrize(
    ("phone", "country", "region", "zone"),
    [
        # A UK mobile (London, Guernsey, Jersey, Isle of Man) of a lead living in Dublin.
        ("+447400123456", "IE", "", "Europe/Dublin"),
        ("+447400123456", "Irlande", "", "Europe/Dublin"),
        # phonenumbers gives Irish numbers the zones of London, Guernsey and Man.
        ("+353851234567", "IE", "", "Europe/Dublin"),
        ("+35312345678", "Ireland", "Dublin", "Europe/Dublin"),
        # A German number of a lead in California.
        ("+4915123456789", "US", "CA", "America/Los_Angeles"),
        ("+4915123456789", "United States", "", "America/New_York"),
        # Europe/Zurich is also Büsingen's (DE) in zone1970.tab, but it is Switzerland's.
        ("+41446681800", "DE", "", "Europe/Berlin"),
        # An Australian mobile in Perth, a Spanish one in Madrid.
        ("+61412345678", "AU", "WA", "Australia/Perth"),
        ("+61412345678", "AU", "", "Australia/Sydney"),
        ("+34612345678", "ES", "", "Europe/Madrid"),
    ],
)
def test_a_phone_from_outside_the_leads_country_gives_way_to_the_countrys_zone(
    phone, country, region, zone
):
    assert derive_time_zone(phone=phone, country=country, region=region) == zone


@pytest.mark.parametrize(
    ("phone", "country", "region", "zone"),
    [
        ("+12125550123", "US", "", "America/New_York"),
        ("+12125550123", "US", "CA", "America/New_York"),  # the phone says more than "CA"
        ("+13125550123", "USA", "", "America/Chicago"),
        ("+4915123456789", "DE", "", "Europe/Berlin"),
        ("+919876543210", "IN", "", "Asia/Kolkata"),  # one zone: the country's, by its own name
        ("+447400123456", "", "", "Europe/London"),
        ("+4915123456789", "Atlantis", "", "Europe/Berlin"),
    ],
)
def test_a_phone_from_the_leads_country_or_with_no_country_keeps_its_zone(
    phone, country, region, zone
):
    assert derive_time_zone(phone=phone, country=country, region=region) == zone


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("AU", "Australia/Sydney"),  # zone.tab starts with Lord Howe Island
        ("Brasil", "America/Sao_Paulo"),  # ... with Fernando de Noronha
        ("Canada", "America/Toronto"),  # ... with Newfoundland
        ("Russland", "Europe/Moscow"),  # ... with Kaliningrad
        ("IE", "Europe/Dublin"),
        ("Schweiz", "Europe/Zurich"),
    ],
)
def test_a_country_alone_gives_its_most_populous_zone(country, zone):
    assert derive_time_zone(country=country) == zone


@pytest.mark.parametrize(
    ("country", "region", "postal_code", "city", "expected"),
    [
        ("US", "IL", "60626", "Chicago", ["1 Main St", "Chicago, IL 60626", "United States"]),
        ("GB", "", "SW1A 1AA", "London", ["1 Main St", "London", "SW1A 1AA", "United Kingdom"]),
        ("DE", "Berlin", "10115", "Berlin", ["1 Main St", "10115 Berlin", "Germany"]),
    ],
)
def test_addresses_are_written_the_way_their_country_writes_them(
    country, region, postal_code, city, expected
):
    lines = address_lines(
        line1="1 Main St",
        line2="",
        city=city,
        region=region,
        postal_code=postal_code,
        country=country,
    )
    assert lines == expected


# A ticketing site's attendee report: people type their country in their own language.
ATTENDEES = """\
First Name,Last Name,Email,Phone,Company,Country
Jana,Becker,jana.becker@example.de,030 1234567,Nordlicht GmbH,Allemagne
Tom,Baker,tom.baker@example.co.uk,020 7946 0958,Acme Ltd,Royaume-Uni
Aoife,Byrne,aoife.byrne@example.ie,+44 7400 123456,Liffey Labs,Irlande
Lukas,Huber,lukas.huber@example.at,0664 1234567,Alpenwerk,Osterreich
"""


@pytest.mark.django_db
def test_an_import_reads_countries_in_any_language_and_phones_in_that_country(tmp_path):
    path = tmp_path / "attendees.csv"
    path.write_text(ATTENDEES, encoding="utf-8")
    out = StringIO()

    call_command(
        "import_leads", str(path), "--event", "Expo 2026", "--json", "--country", "US", stdout=out
    )

    assert (json.loads(out.getvalue())["created"], json.loads(out.getvalue())["invalid"]) == (4, 0)
    leads = {lead.email: (lead.country, lead.phone, lead.time_zone) for lead in Lead.objects.all()}
    assert leads == {
        "jana.becker@example.de": ("DE", "+49301234567", "Europe/Berlin"),
        "tom.baker@example.co.uk": ("GB", "+442079460958", "Europe/London"),
        "aoife.byrne@example.ie": ("IE", "+447400123456", "Europe/Dublin"),
        "lukas.huber@example.at": ("AT", "+436641234567", "Europe/Vienna"),
    }
