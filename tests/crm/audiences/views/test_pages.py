"""The audience list and an audience's page: members, channels, paging, and their query counts."""

import pytest
from django.urls import reverse

from crm.audiences.models import Audience, AudienceMember
from crm.audiences.services import audience_save
from tests.crm.audiences.people import Kind, ago, did, expo_2026, person
from tests.crm.audiences.views.pages import IN_GERMANY, LIST, NEW, count

pytestmark = pytest.mark.django_db

UNREADABLE = "The rules could not be read: reload the page."


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
