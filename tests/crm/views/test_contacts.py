"""A lead's other emails and phones: making one the main one, removing one."""

import pytest
from django.urls import reverse

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_with_a_work_phone(rep_alice):
    lead = LeadFactory(owner=rep_alice, phone="+14155552671", phone_invalid=True)
    lead.contact_points.create(
        kind="phone", value="+14155550100", raw="(415) 555-0100", label="Work"
    )
    lead.contact_points.create(kind="email", value="old@example.org", label="Email")
    lead.other_contacts = "+14155550100 old@example.org"
    lead.save()
    return lead


def test_a_rep_makes_another_number_the_main_one_and_keeps_the_old(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    response = alice.post(reverse("crm:contact_point_make_main", args=[lead.pk, work.pk]))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.phone_raw, lead.phone_invalid) == (
        "+14155550100",
        "(415) 555-0100",
        False,
    )
    assert list(lead.contact_points.values_list("kind", "value", "label")) == [
        ("email", "old@example.org", "Email"),
        ("phone", "+14155552671", "Earlier main phone"),
    ]
    assert lead.other_contacts == "+14155552671 old@example.org"


def test_a_rep_removes_a_wrong_address_from_the_lead(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    old = lead.contact_points.get(kind="email")

    alice.post(reverse("crm:contact_point_remove", args=[lead.pk, old.pk]))

    lead.refresh_from_db()
    assert list(lead.contact_points.values_list("value", flat=True)) == ["+14155550100"]
    assert lead.other_contacts == "+14155550100"
    assert "mailto:old@example.org" not in alice.get(lead.get_absolute_url()).text


def test_an_email_cannot_be_made_the_main_one_this_way(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    old = lead.contact_points.get(kind="email")

    response = alice.post(reverse("crm:contact_point_make_main", args=[lead.pk, old.pk]))

    assert response.status_code == 404


def test_a_rep_cannot_touch_another_reps_leads_contacts(client, rep_bob, lead_with_a_work_phone):
    client.force_login(rep_bob)
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    for name in ("crm:contact_point_make_main", "crm:contact_point_remove"):
        assert client.post(reverse(name, args=[lead.pk, work.pk])).status_code == 404
    assert (
        client.post(reverse("crm:contact_point_remove", args=[lead.pk, 999999])).status_code == 404
    )
    assert lead.contact_points.count() == 2


def test_changing_contacts_takes_a_post(alice, lead_with_a_work_phone):
    lead = lead_with_a_work_phone
    work = lead.contact_points.get(kind="phone")

    assert (
        alice.get(reverse("crm:contact_point_remove", args=[lead.pk, work.pk])).status_code == 405
    )
