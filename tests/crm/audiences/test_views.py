import json

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.audiences.models import Audience, AudienceMember
from crm.audiences.services import audience_save
from tests.crm.audiences.people import NOW, Kind, ago, did, expo_2026, person, visit

pytestmark = pytest.mark.django_db

LIST, NEW, COUNT, PREVIEW = (
    reverse("audiences:list"),
    reverse("audiences:create"),
    reverse("audiences:count"),
    reverse("audiences:preview"),
)
UNREADABLE = "The rules could not be read: reload the page."
IN_GERMANY = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def germans(manager_maria) -> Audience:
    for name in ("Hans", "Greta"):
        person(name, country="DE")
    person("Ann", country="US")
    return audience_save(name="Germans", definition=IN_GERMANY, is_active=True, by=manager_maria)


def count(client, definition) -> tuple[int, dict]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    response = client.post(COUNT, {"definition": text})
    return response.status_code, response.json()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Who may


def audience_urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("post", COUNT),
        ("post", PREVIEW),
        ("get", reverse("audiences:detail", args=[pk])),
        ("get", reverse("audiences:edit", args=[pk])),
        ("post", reverse("audiences:edit", args=[pk])),
        ("post", reverse("audiences:refresh", args=[pk])),
        ("post", reverse("audiences:delete", args=[pk])),
    ]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_audiences_are_for_managers_only(client, germans, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for method, url in audience_urls(germans.pk):
        assert getattr(client, method)(url).status_code == 403, url
    assert Audience.objects.filter(pk=germans.pk).exists()


def test_signed_out_people_are_sent_to_log_in(client, germans):
    for method, url in audience_urls(germans.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_managers_see_the_audiences_link_and_reps_do_not(client, maria, rep_alice):
    assert 'href="/audiences/"' in maria.get(reverse("crm:lead_list")).text
    client.force_login(rep_alice)
    assert 'href="/audiences/"' not in client.get(reverse("crm:lead_list")).text


# The list


def test_the_list_shows_each_audience_with_its_member_count(maria, germans):
    response = maria.get(LIST)

    assert response.status_code == 200
    assert "Germans" in response.text
    assert '<td class="number">2</td>' in response.text


@pytest.mark.parametrize("audiences", [1, 12])
def test_the_list_costs_a_fixed_number_of_queries(
    maria, manager_maria, audiences, django_assert_max_num_queries
):
    for n in range(audiences):
        audience_save(name=f"A{n}", definition=IN_GERMANY, is_active=True, by=manager_maria)

    # session, user, groups, permissions (2, for the menu), the audiences
    with django_assert_max_num_queries(6):
        response = maria.get(LIST)

    assert response.text.count('<th scope="row">') == audiences


# The builder


def test_the_builder_carries_the_rule_types_and_the_count_address(maria):
    expo = expo_2026()
    response = maria.get(NEW)

    assert response.status_code == 200
    assert f'data-count-url="{COUNT}"' in response.text
    schema = response.context["schema"]
    assert {"visited_page", "attended_event", "bought_product", "consent"} <= {
        rule["type"] for rule in schema["types"]
    }
    assert [expo.pk, "Expo 2026"] in schema["campaigns"]
    assert 'id="audience-schema"' in response.text
    assert "js/audience_builder.js" in response.text


def test_a_manager_creates_an_audience_and_its_members_are_worked_out(maria, manager_maria):
    hans = person("Hans", country="DE")
    person("Ann", country="US")
    posted = {"match": "all", "rules": [{"type": "country", "countries": "germany"}]}

    response = maria.post(
        NEW, {"name": "Germans", "is_active": "on", "definition": json.dumps(posted)}
    )

    audience = Audience.objects.get()
    assert response.status_code == 302
    assert response.url == audience.get_absolute_url()
    assert audience.definition == IN_GERMANY
    assert (audience.name, audience.is_active, audience.created_by) == (
        "Germans",
        True,
        manager_maria,
    )
    assert list(AudienceMember.objects.values_list("lead_id", flat=True)) == [hans.pk]
    assert messages_of(response) == ["Saved Germans. Its members are being worked out."]


def test_the_builder_offers_app_event_rules_with_an_input_for_the_name(maria):
    schema = maria.get(NEW).context["schema"]

    by_type = {rule["type"]: rule for rule in schema["types"]}
    for rule_type in ("app_event", "not_app_event"):
        name, days = by_type[rule_type]["params"]
        assert (name["name"], name["label"], name["kind"], name["required"]) == (
            "name",
            "App event",
            "event_name",
            True,
        )
        assert (days["name"], days["required"]) == ("days", False)


def test_a_manager_saves_an_app_event_audience_from_the_builder(maria):
    stuck = person("Stuck")
    did(stuck, Kind.APP_EVENT, ago(4), data={"name": "signed_up"})
    made = person("Made")
    did(made, Kind.APP_EVENT, ago(4), data={"name": "signed_up"})
    did(made, Kind.APP_EVENT, ago(1), data={"name": "project_created"})
    posted = {
        "match": "all",
        "rules": [
            {"type": "app_event", "name": " signed_up ", "days": "7"},
            {"type": "not_app_event", "name": "project_created", "days": "3"},
        ],
    }

    response = maria.post(NEW, {"name": "No project", "definition": json.dumps(posted)})

    assert response.status_code == 302
    audience = Audience.objects.get()
    assert audience.definition["rules"][0] == {"type": "app_event", "name": "signed_up", "days": 7}
    assert list(AudienceMember.objects.values_list("lead_id", flat=True)) == [stuck.pk]
    page = maria.get(audience.get_absolute_url())
    assert "did not do app event “project_created” in the last 3 days" in page.text


def test_an_app_event_rule_without_a_name_is_refused_beside_the_field(maria):
    posted = {"match": "all", "rules": [{"type": "not_app_event", "name": " ", "days": 3}]}

    response = maria.post(NEW, {"name": "No project", "definition": json.dumps(posted)})
    status, body = count(maria, posted)

    assert response.status_code == 400
    message = ["Give the app event's name, e.g. “project_created”."]
    assert response.context["rule_errors"] == {"rules.0.name": message}
    assert (status, body) == (400, {"errors": {"rules.0.name": message}})
    assert not Audience.objects.exists()


def test_invalid_rules_are_refused_with_each_fields_reason(maria):
    posted = {"match": "all", "rules": [{"type": "visited_page", "path": "/pricing*", "days": 0}]}

    response = maria.post(NEW, {"name": "Pricing", "definition": json.dumps(posted)})

    assert response.status_code == 400
    assert response.context["rule_errors"] == {
        "rules.0.days": ["Give a whole number from 1 to 3,650."]
    }
    assert "rules.0.days" in response.text  # also without the script
    assert response.context["definition"] == posted  # to correct
    assert not Audience.objects.exists()


def test_a_name_is_needed_and_unreadable_rules_are_refused(maria):
    no_name = maria.post(NEW, {"name": "", "definition": json.dumps(IN_GERMANY)})
    garbled = maria.post(NEW, {"name": "Germans", "definition": "{not json"})

    assert no_name.status_code == 400 and no_name.context["form"].errors["name"]
    assert garbled.status_code == 400
    assert garbled.context["form"].errors["definition"] == [
        "The rules could not be read: reload the page."
    ]
    assert not Audience.objects.exists()


def test_editing_changes_the_rules_and_works_the_members_out_again(maria, germans):
    url = reverse("audiences:edit", args=[germans.pk])
    page = maria.get(url)
    assert page.context["definition"] == IN_GERMANY
    in_us = {"match": "all", "rules": [{"type": "country", "countries": ["US"]}]}

    response = maria.post(url, {"name": "Americans", "definition": json.dumps(in_us)})

    germans.refresh_from_db()
    assert response.status_code == 302
    assert (germans.name, germans.is_active, germans.member_count) == ("Americans", False, 1)


# The live count


def test_the_live_count_counts_the_leads_the_rules_pick_now(maria):
    for name in ("Pia", "Ria"):
        visit(person(name), "/pricing", ago(2))
    visit(person("Olga"), "/pricing", ago(20))

    status, body = count(
        maria, {"match": "all", "rules": [{"type": "visited_page", "path": "/pricing*", "days": 7}]}
    )

    assert (status, body) == (200, {"count": 2})
    assert not Audience.objects.exists()  # counting saves nothing


def test_the_live_count_answers_400_with_field_errors(maria):
    expo = expo_2026()
    definition = {
        "match": "all",
        "rules": [
            {"type": "attended_event", "campaign": expo.pk, "days": "a week"},
            {"match": "any", "rules": [{"type": "downloaded_content", "before_campaign": 424242}]},
        ],
    }

    status, body = count(maria, definition)

    assert status == 400
    assert body == {
        "errors": {
            "rules.0.days": ["Give a whole number from 1 to 3,650."],
            "rules.1.rules.0.before_campaign": ["No such campaign (#424242)."],
        }
    }


@pytest.mark.parametrize(
    "posted",
    [
        "",
        "{not json",
        "null",
        "[]",
        '"all"',
        '{"rules": "x"}',
        '{"match": "all", "rules": [null, 5, [], {"type": null}]}',
        '{"match": "all", "rules": [{"type": "page_views", "pages": 1e400}]}',
        '{"match": "all", "rules": [{"type": "owner", "owners": [{"id": 1}]}]}',
        '{"match": "all", "rules": [{"type": "country", "countries": [7, null]}]}',
        '{"match": "all", "rules": [{"type": "score", "min": "99999999999999999999"}]}',
        '{"match": "all", "rules": [{"type": "attended_event", "campaign": 99999999999999999999}]}',
        '{"match": ["all"], "rules": [{"type": ["opened_email"]}]}',
        '{"match": "all", "rules": [{"type": "consent", "consent": ["may_email"]}]}',
        '{"match": "all", "rules": [{"type": "visited_page", "path": {"a": 1}, "days": [7]}]}',
        '{"match": "all", "rules": [{"match": "any", "rules": [{"match": "all", "rules": '
        '[{"match": "any", "rules": [{"type": "opened_email"}]}]}]}]}',
    ],
)
def test_the_live_count_never_fails_on_what_it_is_sent(maria, posted):
    response = maria.post(COUNT, {"definition": posted})

    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_live_count_is_a_post(maria):
    assert maria.get(COUNT).status_code == 405


# The live preview


def test_the_preview_lists_the_newest_leads_the_rules_pick_now(maria, rep_alice):
    pricing = [person(f"Pia{n:02d}", company=f"Firm {n}", owner=rep_alice) for n in range(12)]
    for lead in pricing:
        visit(lead, "/pricing", ago(2))
    visit(person("Olga"), "/pricing", ago(20))
    rules = {"match": "all", "rules": [{"type": "visited_page", "path": "/pricing*", "days": 7}]}

    response = maria.post(PREVIEW, {"definition": json.dumps(rules)})

    assert response.status_code == 200
    leads = response.json()["leads"]
    assert [lead["name"] for lead in leads] == [f"Pia{n:02d} Test" for n in range(11, 1, -1)]
    newest = pricing[-1]
    assert leads[0] == {
        "name": "Pia11 Test",
        "company": "Firm 11",
        "country": newest.country,
        "stage": newest.get_stage_display(),
        "owner": "Alice Rep",
        "url": newest.get_absolute_url(),
    }
    assert not Audience.objects.exists()  # previewing saves nothing


def test_the_preview_answers_400_with_field_errors_as_the_count_does(maria):
    rules = {"match": "all", "rules": [{"type": "visited_page", "path": "", "days": "a week"}]}

    response = maria.post(PREVIEW, {"definition": json.dumps(rules)})
    counted = maria.post(COUNT, {"definition": json.dumps(rules)})

    assert response.status_code == 400
    assert response.json() == counted.json()
    assert set(response.json()["errors"]) == {"rules.0.path", "rules.0.days"}
    assert maria.post(PREVIEW, {"definition": "{not json"}).status_code == 400
    assert maria.get(PREVIEW).status_code == 405


# An audience's page


def test_the_page_describes_the_rules_and_offers_every_channel(maria, germans):
    response = maria.get(germans.get_absolute_url())

    assert response.status_code == 200
    assert "All of:" in response.text and "in DE" in response.text
    for url in (
        reverse("queue:list") + f"?audience={germans.pk}",
        reverse("cadences:enrol") + f"?audience={germans.pk}",
        reverse("letters:run_create") + f"?audience={germans.pk}",
    ):
        assert f'href="{url}"' in response.text
    assert "Hans" in response.text and "Greta" in response.text and "Ann" not in response.text


def test_the_members_are_paged_newest_first(maria, manager_maria):
    leads = [person(f"Member{n:02d}", country="DE") for n in range(55)]
    audience = audience_save(
        name="Germans", definition=IN_GERMANY, is_active=True, by=manager_maria
    )

    first = maria.get(audience.get_absolute_url())
    assert [lead.pk for lead in first.context["page"].items] == [
        lead.pk for lead in leads[::-1][:50]
    ]
    assert first.context["page"].prev_before is None
    second = maria.get(audience.get_absolute_url(), {"after": first.context["page"].next_after})
    assert maria.get(audience.get_absolute_url(), {"after": "9" * 30}).status_code == 200
    assert [lead.pk for lead in second.context["page"].items] == [lead.pk for lead in leads[4::-1]]
    assert second.context["page"].next_after is None
    assert second.context["page"].total == 55

    back = maria.get(audience.get_absolute_url(), {"before": second.context["page"].prev_before})
    assert [lead.pk for lead in back.context["page"].items] == [
        lead.pk for lead in leads[::-1][:50]
    ]
    assert back.context["page"].prev_before is None
    assert back.context["page"].next_after == leads[5].pk


@pytest.mark.parametrize("size", [2, 60])
def test_an_audiences_page_costs_a_fixed_number_of_queries(
    maria, manager_maria, rep_alice, size, django_assert_max_num_queries
):
    expo = expo_2026()
    for n in range(size):
        did(person(f"M{n}", owner=rep_alice), Kind.BOOTH_VISIT, ago(3), campaign=expo)
    definition = {"match": "all", "rules": [{"type": "attended_event", "campaign": expo.pk}]}
    audience = audience_save(name="Expo", definition=definition, is_active=True, by=manager_maria)

    # session, user, groups, permissions (2, for the menu), the audience, the campaign
    # its rules name, the page of members with their owners, their (capped) count; its
    # ad audiences (crm.retargeting) and whether there is a connection to link one with
    with django_assert_max_num_queries(11):
        response = maria.get(audience.get_absolute_url())

    assert response.status_code == 200
    assert "visited the booth at Expo 2026" in response.text


def test_working_the_members_out_again_and_deleting(maria, germans):
    person("Jonas", country="DE")
    AudienceMember.objects.filter(audience=germans).delete()

    refreshed = maria.post(reverse("audiences:refresh", args=[germans.pk]))
    germans.refresh_from_db()
    assert refreshed.status_code == 302 and germans.member_count == 3

    deleted = maria.post(reverse("audiences:delete", args=[germans.pk]))
    assert deleted.status_code == 302 and deleted.url == LIST
    assert not Audience.objects.exists()
    assert maria.get(germans.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, '{"match": "all", "rules": ['])
def test_rules_that_cannot_be_read_are_answered_400_never_500(maria, text):
    assert count(maria, text) == (400, {"errors": {"definition": [UNREADABLE]}})

    response = maria.post(NEW, {"name": "Deep", "definition": text})

    assert response.status_code == 400
    assert not Audience.objects.filter(name="Deep").exists()
