"""Managers sharing leads out after an import (/team/assign/): round-robin among
the people they tick, or a person per country and region; each lead moves
with its open touches."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.roles import Role
from followups.models import Touch
from followups.team.services import leads_share_round_robin
from tests.booth_lists import import_booth_list
from tests.factories import InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

ASSIGN = reverse("team:assign")
GERMANS = {"ada@analytical.example", "max@quanta.example", "emmy@rings.example"}
BAVARIANS = {"ada@analytical.example", "max@quanta.example"}
AMERICANS = {"grace@cobol.example", "alan@smalltalk.example", "barbara@clu.example"}
THE_REST = {"marie@radium.example", "tim@web.example", "linus@kernel.example"}


@pytest.fixture
def rep_carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="Rep", role=Role.REP)


@pytest.fixture
def expo(tmp_path, rep_alice, rep_bob, rep_carol):
    """The booth list, imported: the follow-up rule has planned a call to everyone
    with a phone and given each lead to the least busy rep."""
    return import_booth_list(tmp_path)


def url_for(lead_import, **query) -> str:
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{ASSIGN}?lead_import={lead_import.pk}{extra}"


def owners() -> dict[str, str | None]:
    return {
        lead.email: lead.owner.username if lead.owner else None
        for lead in Lead.objects.select_related("owner")
    }


def open_touches_follow_their_leads() -> bool:
    touches = Touch.objects.filter(status__in=Touch.OPEN).select_related("lead")
    return all(touch.assigned_to_id == touch.lead.owner_id for touch in touches)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())


def territory_post(response, chosen: dict[str, object], **extra) -> dict:
    """The territory form as the page renders it, with a person chosen for the
    rows named in `chosen` (by the name its select is labelled with)."""
    page = response.content.decode()
    data = {"method": "territory", **extra}
    for name, value in re.findall(r'name="(territory-[A-Z_]+)" value="(\d*)"', page):
        data[name] = value
    for name, value in re.findall(
        r'type="hidden" name="(territory-\d+-\w+)"(?: value="([^"]*)")?', page
    ):
        data[name] = value
    for index, label in re.findall(r'for="id_territory-(\d+)-person">Give (.+?) to</label>', page):
        if label in chosen:
            data[f"territory-{index}-person"] = chosen[label].pk
    return data


def territory_table(response) -> list[str]:
    """Each row of the territory table: its name and lead count."""
    page = response.content.decode()
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>([\d,]+)</td>', page, re.S)
    return [f"{re.sub(r'<[^>]+>', '', name).strip()} {count}" for name, count in rows]


# Who may


def test_sharing_leads_out_is_for_managers_only(client, expo, rep_alice, mailroom_max):
    url = url_for(expo)
    before = owners()
    assert client.get(url).status_code == 302  # to the login page
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        assert client.get(url).status_code == 403
        post = client.post(url, {"method": "round_robin", "people": [rep_alice.pk]})
        assert post.status_code == 403
    assert owners() == before


def test_a_rep_cannot_share_leads_out_through_the_service(expo, rep_alice, rep_bob):
    with pytest.raises(PermissionDenied):
        leads_share_round_robin(leads=Lead.objects.all(), people=[rep_bob], by=rep_alice)


# Round-robin


def test_round_robin_deals_the_imports_leads_out_in_turn_by_lead_id(
    maria, expo, rep_alice, rep_bob
):
    LeadFactory(email="someone@else.example", owner=None)  # not at the booth

    response = maria.post(
        url_for(expo), {"method": "round_robin", "people": [rep_bob.pk, rep_alice.pk]}
    )

    assert response.status_code == 302
    assert response.url == expo.get_absolute_url()
    leads = Lead.objects.exclude(email="someone@else.example").order_by("pk")
    # In the list's order (Alice before Bob), whatever order they were ticked in.
    assert [lead.owner.username for lead in leads] == ["alice", "bob"] * 4 + ["alice"]
    assert Lead.objects.get(email="someone@else.example").owner is None
    assert open_touches_follow_their_leads()
    followed = maria.get(response.url)
    assert "Assigned 9 leads: Alice Rep 5, Bob Rep 4." in text_of(followed)


def test_round_robin_moves_each_leads_open_calls_even_a_claimed_one(maria, expo, rep_carol):
    grace = Lead.objects.get(email="grace@cobol.example")
    call = Touch.objects.get(lead=grace, status=Touch.Status.PENDING)
    Touch.objects.filter(pk=call.pk).update(
        status=Touch.Status.CLAIMED, claimed_by=call.assigned_to
    )

    maria.post(url_for(expo), {"method": "round_robin", "people": [rep_carol.pk]})

    call.refresh_from_db()
    assert (call.assigned_to, call.status, call.claimed_by) == (rep_carol, "pending", None)
    assert set(owners().values()) == {"carol"}
    pending = Touch.objects.filter(status=Touch.Status.PENDING, assigned_to=rep_carol)
    assert pending.filter(channel="call").count() == 7
    assert not Touch.objects.filter(status=Touch.Status.PENDING).exclude(assigned_to=rep_carol)


def test_leads_someone_has_called_stay_with_their_rep_unless_all_are_chosen(
    maria, expo, rep_bob, rep_carol
):
    grace = Lead.objects.get(email="grace@cobol.example")
    Lead.objects.filter(pk=grace.pk).update(owner=rep_bob)
    InteractionFactory(lead=grace, kind=Interaction.Kind.CALL, user=rep_bob, outcome="no_answer")

    maria.post(url_for(expo), {"method": "round_robin", "people": [rep_carol.pk]})
    assert owners()["grace@cobol.example"] == "bob"
    assert {owner for email, owner in owners().items() if email != "grace@cobol.example"} == {
        "carol"
    }

    maria.post(url_for(expo, which="all"), {"method": "round_robin", "people": [rep_carol.pk]})
    assert owners()["grace@cobol.example"] == "carol"


def test_the_round_robin_preview_says_who_would_get_how_many_and_changes_nothing(
    maria, expo, rep_alice, rep_bob
):
    before = owners()

    response = maria.post(
        url_for(expo),
        {"method": "round_robin", "people": [rep_alice.pk, rep_bob.pk], "preview": "1"},
    )

    assert response.status_code == 200
    assert "Alice Rep 5 leads, Bob Rep 4 leads" in text_of(response)
    assert owners() == before


def test_round_robin_without_anyone_ticked_answers_400_and_changes_nothing(maria, expo):
    before = owners()

    response = maria.post(url_for(expo), {"method": "round_robin"})

    assert response.status_code == 400
    assert "Tick the people to share the leads between." in text_of(response)
    assert owners() == before


@pytest.mark.parametrize("person", ["abc", "999999"])
def test_round_robin_to_someone_unknown_answers_400(maria, expo, person):
    before = owners()

    response = maria.post(url_for(expo), {"method": "round_robin", "people": [person]})

    assert response.status_code == 400
    assert owners() == before


def test_round_robin_to_someone_who_left_answers_400(maria, expo, rep_carol):
    page = maria.get(url_for(expo))
    rep_carol.is_active = False
    rep_carol.save()
    before = owners()

    response = maria.post(url_for(expo), {"method": "round_robin", "people": [rep_carol.pk]})

    assert "Carol Rep" in text_of(page)
    assert response.status_code == 400
    assert "can no longer be given leads" in text_of(response)
    assert owners() == before


# By territory


def test_the_territory_table_lists_the_countries_with_their_regions_and_counts(maria, expo):
    response = maria.get(url_for(expo))

    assert response.status_code == 200
    assert territory_table(response) == [
        "France (FR) 1",
        "Germany (DE) 3",
        "Bayern 2",
        "Berlin 1",
        "United States (US) 3",
        "CA 2",
        "NY 1",
        "No country 2",
    ]


def test_by_territory_a_regions_person_takes_its_leads_and_the_country_the_rest(
    maria, expo, rep_alice, rep_bob, rep_carol
):
    before = owners()
    page = maria.get(url_for(expo))
    data = territory_post(
        page, {"Germany": rep_alice, "Bayern": rep_bob, "United States": rep_carol}
    )

    preview = maria.post(url_for(expo), {**data, "preview": "1"})
    response = maria.post(url_for(expo), data)

    assert "Alice Rep 1 lead, Bob Rep 2 leads, Carol Rep 3 leads; 3 leads keep their owner" in (
        text_of(preview)
    )
    assert response.status_code == 302
    assert response.url == expo.get_absolute_url()
    after = owners()
    assert {email: after[email] for email in BAVARIANS} == dict.fromkeys(BAVARIANS, "bob")
    assert after["emmy@rings.example"] == "alice"
    assert {email: after[email] for email in AMERICANS} == dict.fromkeys(AMERICANS, "carol")
    assert {email: after[email] for email in THE_REST} == {e: before[e] for e in THE_REST}
    assert open_touches_follow_their_leads()
    assert "Assigned 6 leads" in text_of(maria.get(response.url))


def test_by_territory_the_leads_without_a_country_can_be_given_too(maria, expo, rep_bob):
    page = maria.get(url_for(expo))

    maria.post(url_for(expo), territory_post(page, {"No country": rep_bob}))

    after = owners()
    assert (after["tim@web.example"], after["linus@kernel.example"]) == ("bob", "bob")


def test_by_territory_with_nobody_chosen_changes_nothing(maria, expo):
    before = owners()
    page = maria.get(url_for(expo))

    response = maria.post(url_for(expo), territory_post(page, {}))

    assert response.status_code == 302
    assert owners() == before
    assert "Assigned 0 leads" in text_of(maria.get(response.url))


def test_by_territory_with_a_tampered_table_answers_400(maria, expo, rep_bob):
    before = owners()
    page = maria.get(url_for(expo))
    data = territory_post(page, {"Germany": rep_bob})
    missing_management = {k: v for k, v in data.items() if "TOTAL_FORMS" not in k}
    bad_person = {**data, "territory-0-person": "abc"}
    long_region = {**data, "territory-0-region": "x" * 101, "territory-0-person": rep_bob.pk}

    for bad in (missing_management, bad_person, long_region):
        response = maria.post(url_for(expo), bad)
        assert response.status_code == 400
        assert 'class="error"' in response.text
    assert owners() == before


# Which leads, from any lead-list filter


def test_the_page_takes_any_lead_list_filter_and_goes_back_to_the_list(maria, rep_bob):
    germans = LeadFactory.create_batch(2, country="DE")
    LeadFactory(country="US")

    response = maria.post(
        f"{ASSIGN}?country=Germany&stage=new", {"method": "round_robin", "people": [rep_bob.pk]}
    )

    assert response.status_code == 302
    assert response.url == reverse("crm:lead_list") + "?country=Germany&stage=new"
    assert {lead.owner for lead in Lead.objects.filter(country="DE")} == {rep_bob}
    assert Lead.objects.get(country="US").owner is None
    assert len(germans) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Choose the leads first"),
        ("?sort=name", "Choose the leads first"),
        ("?lead_import=abc", "There is no such import."),
        ("?lead_import=999999", "There is no such import."),
        ("?country=DE&which=everyone", "Select a valid choice."),
        ("?stage=nonsense", "Select a valid choice."),
    ],
)
def test_without_a_valid_filter_the_page_answers_400(maria, expo, rep_bob, query, message):
    before = owners()

    page = maria.get(ASSIGN + query)
    post = maria.post(ASSIGN + query, {"method": "round_robin", "people": [rep_bob.pk]})

    assert (page.status_code, post.status_code) == (400, 400)
    assert message in text_of(page)
    assert owners() == before


@pytest.mark.parametrize("data", [{"method": "lottery"}, {}])
def test_an_unknown_way_of_sharing_answers_400(maria, expo, rep_bob, data):
    before = owners()

    response = maria.post(url_for(expo), {**data, "people": [rep_bob.pk]})

    assert response.status_code == 400
    assert "Choose round-robin or by territory." in text_of(response)
    assert owners() == before


def test_the_page_says_how_many_are_being_worked_and_stay(maria, expo, rep_bob):
    InteractionFactory(
        lead=Lead.objects.get(email="grace@cobol.example"), kind=Interaction.Kind.MEETING
    )

    response = maria.get(url_for(expo))
    everyone = maria.get(url_for(expo, which="all"))

    assert "From the import of expo-badges.csv" in text_of(response)
    assert "8 leads to share out. The 1 other has been called or met: it stays with its rep." in (
        text_of(response)
    )
    assert "9 leads to share out." in text_of(everyone)


def test_the_page_runs_a_bounded_number_of_queries(maria, expo, django_assert_max_num_queries):
    # session, user, roles, the import, the leads by territory, how many in all,
    # the people, and the permissions the menu asks
    with django_assert_max_num_queries(10):
        response = maria.get(url_for(expo))

    assert response.status_code == 200
