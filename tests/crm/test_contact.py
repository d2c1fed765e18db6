import pytest

from crm.contact import (
    InvalidPhone,
    address_lines,
    country_code,
    derive_time_zone,
    parse_phone,
)


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
    [("GB", "GB"), ("gb", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("USA", "US")],
)
def test_country_names_and_codes_become_iso_codes(text, code):
    assert country_code(text) == code


def test_unknown_country_is_empty():
    assert country_code("Atlantis") == ""


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
