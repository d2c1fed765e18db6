"""A pasted whole email address or phone number is looked up exactly before the
contains search (crm.selectors.lead_search): the same leads, found by the indexes
the matching of people uses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import selectors
from crm.filters import LeadFilter
from crm.models import ContactPoint, Lead
from crm.selectors import lead_search, leads_visible_to
from crm.services import lead_other_contacts_refresh
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def found(text: str, leads=None, **kwargs) -> list[int]:
    leads = Lead.objects.all() if leads is None else leads
    return sorted(lead_search(leads, text, **kwargs).values_list("pk", flat=True))


def found_by_contains(text: str, leads=None, monkeypatch=None) -> list[int]:
    """What the search found before it had an exact path."""
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "_leads_with_whole_contact", lambda *args: None)
        return found(text, leads)


def searched_by_contains(text: str, leads=None) -> bool:
    leads = Lead.objects.all() if leads is None else leads
    return "LIKE" in str(lead_search(leads, text).query).upper()


def other_contact(lead: Lead, kind: str, value: str) -> None:
    ContactPoint.objects.create(lead=lead, kind=kind, value=value)
    lead_other_contacts_refresh(lead_ids=[lead.pk])


@pytest.fixture
def people(rep_alice, rep_bob):
    mary = LeadFactory(email="Mary.Jones@Zephyrmail.example", phone="+14155552671", owner=rep_alice)
    ben = LeadFactory(email="ben@northwind.example", phone="+442079460123", owner=rep_bob)
    other_contact(ben, ContactPoint.Kind.EMAIL, "ben.smith@home.example")
    other_contact(ben, ContactPoint.Kind.PHONE, "+12125550187")
    # Mary's colleague shares the office number as her second phone.
    colleague = LeadFactory(email="kim@zephyrmail.example", phone="", owner=rep_alice)
    other_contact(colleague, ContactPoint.Kind.PHONE, "+14155552671")
    LeadFactory(email="someone@else.example", phone="+14155550100", owner=rep_alice)
    return {"mary": mary, "ben": ben, "colleague": colleague}


WHOLE_CONTACTS = [
    ("Mary.Jones@Zephyrmail.example", ["mary"]),
    ("mary.jones@zephyrmail.example", ["mary"]),  # any case, as the contains search
    ("BEN@NORTHWIND.EXAMPLE", ["ben"]),
    ("ben.smith@home.example", ["ben"]),  # another address of his
    ("+14155552671", ["mary", "colleague"]),  # her main phone, the colleague's other
    ("(415) 555-2671", ["mary", "colleague"]),  # national, in CRM_DEFAULT_COUNTRY (US)
    ("415-555-2671", ["mary", "colleague"]),
    ("+1 415 555 2671", ["mary", "colleague"]),
    ("+44 20 7946 0123", ["ben"]),
    ("212-555-0187", ["ben"]),  # another number of his
]


@pytest.mark.parametrize(("text", "who"), WHOLE_CONTACTS)
def test_a_whole_email_or_phone_finds_the_same_leads_as_the_contains_search(
    people, monkeypatch, text, who
):
    wanted = sorted(people[name].pk for name in who)

    assert found(text) == wanted
    assert found_by_contains(text, monkeypatch=monkeypatch) == wanted
    assert not searched_by_contains(text)


@pytest.mark.parametrize(("text", "who"), WHOLE_CONTACTS)
def test_a_rep_finds_the_same_leads_both_ways_among_their_own(
    people, rep_alice, monkeypatch, text, who
):
    theirs = leads_visible_to(rep_alice)

    assert found(text, theirs) == found_by_contains(text, theirs, monkeypatch)


def test_a_rep_does_not_find_another_reps_lead_by_its_whole_email_or_phone(people, rep_alice):
    alices = leads_visible_to(rep_alice)

    assert found("ben@northwind.example", alices) == []
    assert found("ben.smith@home.example", alices) == []
    assert found("+44 20 7946 0123", alices) == []
    assert found("+14155552671", leads_visible_to(rep_alice)) == sorted(
        [people["mary"].pk, people["colleague"].pk]
    )


def test_a_rep_sees_only_their_own_lead_among_those_sharing_a_number(people, rep_bob):
    LeadFactory(email="", phone="+14155552671", owner=rep_bob)
    bobs = Lead.objects.filter(owner=rep_bob, phone="+14155552671").get()

    assert found("(415) 555-2671", leads_visible_to(rep_bob)) == [bobs.pk]


def test_a_whole_address_does_not_find_longer_addresses_that_contain_it(people, monkeypatch):
    """The exact path's one sensible difference: only who has the address, not
    whoever's address merely contains it."""
    joann = LeadFactory(email="joann@northwind.example", owner=people["ben"].owner)
    ann = LeadFactory(email="ann@northwind.example", owner=people["ben"].owner)

    assert found("ann@northwind.example") == [ann.pk]
    assert found_by_contains("ann@northwind.example", monkeypatch=monkeypatch) == sorted(
        [joann.pk, ann.pk]
    )


@pytest.mark.parametrize(
    "text",
    ["mary.jones@zephyrmail.ex", "415-555-267", "+1415555267", "zephyrmail.example", "2671"],
    ids=["email being typed", "national being typed", "E.164 being typed", "domain", "digits"],
)
def test_a_partial_email_or_number_still_finds_by_contains(people, text):
    assert people["mary"].pk in found(text)
    assert searched_by_contains(text)


def test_an_email_or_number_nobody_has_falls_through_to_the_contains_search(people):
    assert found("nobody@nowhere.example") == []
    assert found("+1 415 555 0199") == []


def test_a_national_number_is_read_in_the_country_given(people):
    berlin = LeadFactory(email="", phone="+49301234567")

    assert found("030 1234567", country="DE") == [berlin.pk]
    assert found("0044 20 7946 0123", country="DE") == [people["ben"].pk]  # DE's 00 prefix
    # Not a German number: the contains search finds its digits, as before.
    assert found("(415) 555-2671", country="DE") == sorted(
        [people["mary"].pk, people["colleague"].pk]
    )


def test_the_lead_list_reads_a_national_number_in_the_users_country(manager_maria):
    berlin = LeadFactory(email="", phone="+49301234567")
    manager_maria.time_zone = "Europe/Berlin"
    manager_maria.save()

    lead_filter = LeadFilter({"q": "030 1234567"}, queryset=Lead.objects.all(), user=manager_maria)

    assert lead_filter.is_valid()
    assert list(lead_filter.qs) == [berlin]
    assert "LIKE" not in str(lead_filter.qs.query).upper()


@pytest.mark.postgres
def test_the_exact_path_uses_the_matching_indexes(postgres, people):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # until the test's rollback
    plans = []
    for text in ("mary.jones@zephyrmail.example", "+14155552671"):
        with CaptureQueriesContext(connection) as queries:
            found(text)
        lookup = next(q["sql"] for q in queries.captured_queries if "UNION" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {lookup}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    email, phone = plans
    assert "lead_unique_email_ci" in email and "contactpoint_match_idx" in email, email
    assert "lead_phone_idx" in phone and "contactpoint_match_idx" in phone, phone
