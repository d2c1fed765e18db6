"""Editing a lead: phone, name, email, opt-out, owner and time zone."""

import pytest
from django.urls import reverse

from crm.models import LEAD_PROFILE_FIELDS, Lead
from tests.crm.views.pages import edit_data
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_editing_reads_the_phone_in_the_leads_country(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="GB", time_zone="Europe/London")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, phone_number="020 7946 0958")
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.phone_raw) == ("+442079460958", "020 7946 0958")
    assert "+442079460958" in alice.get(lead.get_absolute_url()).text


def test_the_edit_form_shows_the_name_prefix_and_suffix_around_the_name(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Prof. Dr.", name_suffix="MBA")

    text = alice.get(reverse("crm:lead_edit", args=[lead.pk])).text

    fields = [text.index(f'name="{name}"') for name in LEAD_PROFILE_FIELDS[:4]]
    assert fields == sorted(fields)  # prefix, first name, last name, suffix
    assert 'name="name_prefix" value="Prof. Dr."' in text
    assert 'name="name_suffix" value="MBA"' in text


def test_editing_changes_the_name_prefix_and_suffix(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Ms", name_suffix="")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, name_prefix="Dr.", name_suffix="PhD"),
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name_prefix, lead.name_suffix) == ("Dr.", "PhD")


def test_editing_with_an_invalid_phone_answers_400_and_changes_nothing(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", phone="+14155552671")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, first_name="Changed", phone_number="12"),
    )

    assert response.status_code == 400
    assert "“12” is not a valid phone number." in response.text
    lead.refresh_from_db()
    assert (lead.first_name, lead.phone) == ("Mary", "+14155552671")


def test_editing_to_another_leads_email_answers_400(alice, rep_alice):
    LeadFactory(email="taken@example.com")
    lead = LeadFactory(owner=rep_alice, email="mine@example.com")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, email="TAKEN@example.com")
    )

    assert response.status_code == 400
    assert "already exists" in response.text
    lead.refresh_from_db()
    assert lead.email == "mine@example.com"


def test_the_email_opt_out_checkbox_unsubscribes(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.CONFIRMED)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, email_opt_out="on"))

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert "marked by alice" in alice.get(lead.get_absolute_url()).text


def test_unticking_the_opt_out_does_not_resubscribe(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, email_consent=Lead.EmailConsent.UNSUBSCRIBED)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead))

    lead.refresh_from_db()
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED


def test_a_rep_cannot_give_their_lead_away(alice, rep_alice, rep_bob):
    lead = LeadFactory(owner=rep_alice)

    alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead, owner=rep_bob.pk))

    lead.refresh_from_db()
    assert lead.owner == rep_alice


def test_moving_a_lead_to_another_country_derives_its_time_zone_again(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="US", region="NY", time_zone="America/New_York")

    response = alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, country="DE", region="", phone_number="030 1234567"),
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.time_zone) == ("+49301234567", "Europe/Berlin")


def test_a_time_zone_chosen_by_hand_is_kept_when_the_address_changes(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, country="US", region="NY", time_zone="America/New_York")

    alice.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        edit_data(lead, region="CA", time_zone="America/Chicago"),
    )

    lead.refresh_from_db()
    assert lead.time_zone == "America/Chicago"
