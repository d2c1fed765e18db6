"""Email addresses as stored, and postal addresses as people of their country
write them."""

from crm.contact.countries import country_name


def normalize_email(raw: str | None) -> str:
    """The address as written, without surrounding whitespace or angle brackets."""
    return (raw or "").strip().strip("<>").strip()


# Countries that write "City, REGION POSTCODE" on one line; GB puts the postcode on
# its own line; most others write "POSTCODE City".
CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})


def address_lines(
    *, line1: str, line2: str, city: str, region: str, postal_code: str, country: str
) -> list[str]:
    """A postal address as people of its country write it, country name last."""
    if country in CITY_REGION_POSTCODE:
        locality = [f"{city}, {region} {postal_code}".strip(" ,")]
    elif country == "GB":
        locality = [city, postal_code]
    else:
        locality = [f"{postal_code} {city}".strip()]
    return [line for line in (line1, line2, *locality, country_name(country)) if line]
