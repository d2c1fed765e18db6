"""Phones read like phones: grouped as people write them, national for the
viewer's own country, international otherwise, the tel: link still E.164."""

import pytest
from django.urls import reverse

from crm.contact import phone_for_display
from crm.models import ContactPoint
from crm.templatetags.phones import phone
from tests.factories import LeadFactory


@pytest.mark.parametrize(
    ("number", "home", "shown"),
    [
        ("+390280323411", "US", "+39 02 8032 3411"),
        ("+390280323411", "IT", "02 8032 3411"),
        ("+14155550134", "US", "(415) 555-0134"),
        ("+14155550134", "DE", "+1 415-555-0134"),
        ("+4930123456", "DE", "030 123456"),
        ("+442079460123", "", "+44 20 7946 0123"),
    ],
)
def test_a_phone_is_grouped_national_at_home_and_international_abroad(number, home, shown):
    assert phone(number, home) == shown


@pytest.mark.parametrize("stored", ["0800 FLOWERS", "+1234", "12", "call me", "+99912345678"])
def test_a_number_that_does_not_parse_is_shown_as_stored(stored):
    assert phone(stored, "US") == stored


def test_no_phone_shows_nothing():
    assert phone(None, "US") == ""
    assert phone("", "US") == ""


def test_a_number_is_parsed_once_however_often_it_is_shown():
    phone_for_display.cache_clear()
    for _ in range(3):
        phone("+390280323411", "US")
    info = phone_for_display.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_a_users_country_is_their_time_zones_else_the_default(rep_alice, settings):
    settings.CRM_DEFAULT_COUNTRY = "GB"
    rep_alice.time_zone = "Europe/Rome"
    assert rep_alice.country == "IT"
    rep_alice.time_zone = "UTC"
    assert rep_alice.country == "GB"


@pytest.mark.django_db
def test_the_lead_page_shows_phones_grouped_with_tel_links_in_e164(alice, rep_alice):
    rep_alice.time_zone = "America/Chicago"
    rep_alice.save()
    lead = LeadFactory(owner=rep_alice, phone="+14155550134", other_contacts="+390280323411")
    ContactPoint.objects.create(
        lead=lead, kind=ContactPoint.Kind.PHONE, value="+390280323411", raw="02 80323411"
    )
    html = alice.get(lead.get_absolute_url()).content.decode()
    assert 'href="tel:+14155550134">(415) 555-0134</a>' in html
    assert 'href="tel:+390280323411">+39 02 8032 3411</a>' in html


@pytest.mark.django_db
def test_the_lead_list_shows_a_foreign_phone_internationally(alice, rep_alice):
    rep_alice.time_zone = "Europe/Berlin"
    rep_alice.save()
    LeadFactory(owner=rep_alice, phone="+4930123456")
    LeadFactory(owner=rep_alice, phone="+14155550134")
    html = alice.get(reverse("crm:lead_list")).content.decode()
    assert "030 123456" in html
    assert "+1 415-555-0134" in html
