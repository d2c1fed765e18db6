"""The audience builder: creating and editing an audience, and the rules it refuses."""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.audiences.models import Audience, AudienceMember
from tests.crm.audiences.people import Kind, ago, did, expo_2026, person
from tests.crm.audiences.views.pages import COUNT, IN_GERMANY, NEW, count

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


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
