"""lead_find_or_create: the one way in for a person, matched on email or any phone."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from crm.models import Lead
from crm.services import LeadOfAnotherRep, OptOuts, lead_find_or_create
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_email_matches_whatever_its_case_and_surrounding_spaces():
    lead = LeadFactory(email="mary@example.com")

    found = lead_find_or_create(email="  Mary@Example.COM ")

    assert (found.lead.pk, found.created) == (lead.pk, False)
    assert Lead.objects.count() == 1


def test_a_new_email_creates_a_lead_stored_without_spaces():
    found = lead_find_or_create(email=" new@example.com ", defaults={"first_name": "Nia"})

    assert found.created
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name) == ("new@example.com", "Nia")


@pytest.mark.parametrize(
    ("stored", "typed", "country"),
    [
        ("+1 415-555-2671", "(415) 555-2671", "US"),
        ("(415) 555-2671", "+1 415-555-2671", "US"),
        ("+44 20 7946 0958", "020 7946 0958", "United Kingdom"),
        ("+49 30 1234567", "030 1234567", "DE"),
    ],
)
def test_a_phone_in_national_format_finds_the_same_lead(stored, typed, country):
    first = lead_find_or_create(phone=stored, defaults={"country": country})

    again = lead_find_or_create(phone=typed, defaults={"country": country})

    assert first.created
    assert (again.lead.pk, again.created) == (first.lead.pk, False)
    assert Lead.objects.count() == 1


def test_a_national_phone_is_stored_in_e164_for_the_leads_country():
    found = lead_find_or_create(phone="020 7946 0958", defaults={"country": "United Kingdom"})

    found.lead.refresh_from_db()
    assert (found.lead.phone, found.lead.phone_raw) == ("+442079460958", "020 7946 0958")
    assert found.lead.country == "GB"


def test_same_phone_with_another_email_is_another_person():
    switchboard = LeadFactory(email="anna@acme.example", phone="+14155552671")

    found = lead_find_or_create(email="ben@acme.example", phone="(415) 555-2671")

    assert found.created
    assert found.lead.pk != switchboard.pk
    assert Lead.objects.count() == 2


def test_same_phone_without_email_matches_the_lead():
    lead = LeadFactory(email="anna@acme.example", phone="+14155552671")

    found = lead_find_or_create(phone="415-555-2671")

    assert (found.lead.pk, found.created) == (lead.pk, False)


def test_an_email_is_added_to_a_lead_known_only_by_phone():
    lead = LeadFactory(email="", phone="+14155552671")

    found = lead_find_or_create(email="anna@acme.example", phone="415 555 2671")

    assert (found.lead.pk, found.created) == (lead.pk, False)
    lead.refresh_from_db()
    assert lead.email == "anna@acme.example"


def test_a_match_gets_empty_fields_filled_and_nothing_overwritten():
    lead = LeadFactory(
        email="mary@example.com", first_name="Mary", last_name="", company="Acme", city=""
    )

    lead_find_or_create(
        email="mary@example.com",
        phone="415 555 2671",
        defaults={"first_name": "Maria", "last_name": "Jones", "company": "Other", "city": "Oslo"},
    )

    lead.refresh_from_db()
    assert (lead.first_name, lead.last_name, lead.company, lead.city) == (
        "Mary",
        "Jones",
        "Acme",
        "Oslo",
    )
    assert lead.phone == "+14155552671"


def test_a_match_keeps_its_phone_when_another_is_given():
    lead = LeadFactory(email="mary@example.com", phone="+14155552671")

    lead_find_or_create(email="mary@example.com", phone="+1 212 555 0100")

    lead.refresh_from_db()
    assert lead.phone == "+14155552671"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "mary@example.com", "phone": "12"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"email": "mary@example.com", "defaults": {"country": "Atlantis"}}, "country"),
        (
            {"email": "mary@example.com", "defaults": {"favourite_colour": "blue"}},
            "favourite_colour",
        ),
        ({"email": "mary@example.com", "defaults": {"time_zone": "Mars/Olympus"}}, "time_zone"),
    ],
)
def test_invalid_contact_data_is_refused_by_field(kwargs, field):
    with pytest.raises(ValidationError) as caught:
        lead_find_or_create(**kwargs)

    assert field in caught.value.message_dict
    assert not Lead.objects.exists()


def test_neither_email_nor_phone_is_refused():
    with pytest.raises(ValidationError) as caught:
        lead_find_or_create(email=" ", phone="", defaults={"first_name": "Nobody"})

    assert "email" in caught.value.message_dict
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("phone", "defaults", "zone"),
    [
        ("+49 30 1234567", {}, "Europe/Berlin"),
        ("", {"country": "US", "region": "TX"}, "America/Chicago"),
        ("020 7946 0958", {"country": "UK"}, "Europe/London"),
    ],
)
def test_a_new_lead_gets_its_time_zone_from_phone_or_address(phone, defaults, zone):
    found = lead_find_or_create(email="tz@example.com", phone=phone, defaults=defaults)

    assert found.lead.time_zone == zone


def test_a_given_time_zone_is_kept():
    found = lead_find_or_create(
        email="tz@example.com", phone="+49 30 1234567", defaults={"time_zone": "Asia/Tokyo"}
    )

    assert found.lead.time_zone == "Asia/Tokyo"


def test_owner_and_source_campaign_go_to_a_new_lead(rep_alice):
    campaign = CampaignFactory()

    found = lead_find_or_create(email="new@example.com", owner=rep_alice, source_campaign=campaign)

    found.lead.refresh_from_db()
    assert (found.lead.owner, found.lead.source_campaign) == (rep_alice, campaign)


def test_an_owned_lead_keeps_its_owner(rep_alice, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob)

    lead_find_or_create(email="mary@example.com", owner=rep_alice)

    lead.refresh_from_db()
    assert lead.owner == rep_bob


def test_a_rep_finding_another_reps_lead_is_refused_and_changes_nothing(rep_alice, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob, company="", do_not_call=False)

    with pytest.raises(LeadOfAnotherRep):
        lead_find_or_create(
            email="mary@example.com",
            defaults={"company": "Acme"},
            owner=rep_alice,
            opt_outs=OptOuts(call=True),
            by=rep_alice,
        )

    lead.refresh_from_db()
    assert (lead.company, lead.do_not_call, lead.owner) == ("", False, rep_bob)


def test_a_rep_who_finds_an_unowned_lead_takes_it(rep_alice):
    lead = LeadFactory(email="mary@example.com", owner=None)

    found = lead_find_or_create(email="mary@example.com", owner=rep_alice, by=rep_alice)

    assert found.lead.pk == lead.pk
    lead.refresh_from_db()
    assert lead.owner == rep_alice


def test_a_manager_finds_any_reps_lead(manager_maria, rep_bob):
    lead = LeadFactory(email="mary@example.com", owner=rep_bob)

    found = lead_find_or_create(email="mary@example.com", by=manager_maria)

    assert found.lead.pk == lead.pk


def test_opt_outs_are_added_to_a_match_and_never_removed(rep_alice):
    lead = LeadFactory(
        email="mary@example.com",
        owner=rep_alice,
        do_not_call=True,
        email_consent=Lead.EmailConsent.CONFIRMED,
    )

    lead_find_or_create(
        email="mary@example.com", opt_outs=OptOuts(mail=True, email=True), by=rep_alice
    )

    lead.refresh_from_db()
    assert (lead.do_not_call, lead.do_not_mail) == (True, True)
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert lead.email_consent_method == "marked by alice"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "contact",
    [{"email": "Race@Example.com"}, {"phone": "+1 415 555 2671"}],
    ids=["email", "phone"],
)
def test_two_simultaneous_find_or_creates_make_one_lead(postgres, contact):
    start = threading.Barrier(2)
    results, errors = [], []

    def find_or_create():
        try:
            start.wait()
            results.append(lead_find_or_create(**contact).lead.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=find_or_create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Lead.objects.count() == 1
    assert results == [Lead.objects.get().pk] * 2
