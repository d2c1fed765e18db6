"""Normalising contact data, one module a kind: countries (codes from names),
phones (E.164, display), time_zones (a lead's likely zone, validation) and
addresses (emails as stored, postal addresses as written).

Pure functions with no database access, shared by every entry path (forms,
API, imports) through the find-or-create service. The public names are
re-exported here: many modules import them from crm.contact, and migration
0001 names crm.contact.validate_time_zone.
"""

from crm.contact.addresses import CITY_REGION_POSTCODE, address_lines, normalize_email
from crm.contact.countries import (
    CLEAR_MAJORITY,
    COUNTRY_ALIASES,
    country_code,
    country_code_or_text,
    country_name,
)
from crm.contact.phones import InvalidPhone, Phone, parse_phone, phone_country, phone_for_display
from crm.contact.time_zones import (
    MAIN_TIME_ZONES,
    REGION_TIME_ZONES,
    derive_time_zone,
    time_zone_country,
    valid_time_zones,
    validate_time_zone,
)

__all__ = [
    "CITY_REGION_POSTCODE",
    "CLEAR_MAJORITY",
    "COUNTRY_ALIASES",
    "MAIN_TIME_ZONES",
    "REGION_TIME_ZONES",
    "InvalidPhone",
    "Phone",
    "address_lines",
    "country_code",
    "country_code_or_text",
    "country_name",
    "derive_time_zone",
    "normalize_email",
    "parse_phone",
    "phone_country",
    "phone_for_display",
    "time_zone_country",
    "valid_time_zones",
    "validate_time_zone",
]
