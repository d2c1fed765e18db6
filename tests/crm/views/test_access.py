"""Who may sign in and which leads each role sees and opens."""

import pytest
from django.urls import reverse

from crm.models import Interaction, Lead
from tests.crm.views.pages import LEAD_CREATE, LEAD_LIST, edit_data, listed_ids
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def lead_urls(lead: Lead) -> list[str]:
    return [
        reverse("crm:lead_detail", args=[lead.pk]),
        reverse("crm:lead_edit", args=[lead.pk]),
        reverse("crm:lead_merge", args=[lead.pk]),
    ]


# Signing in


def test_the_login_page_signs_a_user_in(client, rep_alice):
    assert client.get(reverse("login")).status_code == 200

    response = client.post(reverse("login"), {"username": "alice", "password": "secret-pass-123"})

    assert response.status_code == 302
    assert response.url == reverse("home")  # each role to its work: tests/test_landing.py
    assert client.get(LEAD_LIST).status_code == 200


def test_a_wrong_password_stays_on_the_login_page(client, rep_alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.text


@pytest.mark.parametrize("url", [LEAD_LIST, LEAD_CREATE, "/leads/1/", "/leads/1/edit/"])
def test_an_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


# Who sees which leads


def test_rep_cannot_open_another_reps_lead(alice, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    for url in lead_urls(lead):
        assert alice.get(url).status_code == 404, url
    interaction_url = reverse("crm:interaction_create", args=[lead.pk])
    assert alice.post(interaction_url, {"kind": "note"}).status_code == 404
    assert alice.post(reverse("crm:lead_edit", args=[lead.pk]), edit_data(lead)).status_code == 404
    assert not Interaction.objects.exists()


def test_rep_sees_only_their_own_leads_in_the_list(alice, rep_alice, rep_bob):
    mine = LeadFactory(owner=rep_alice, last_name="Mine")
    LeadFactory(owner=rep_bob, last_name="Bobsworth", email="bobs.lead@example.com")

    assert listed_ids(alice.get(LEAD_LIST)) == [mine.pk]
    assert listed_ids(alice.get(LEAD_LIST, {"q": "Bobsworth"})) == []
    assert listed_ids(alice.get(LEAD_LIST, {"q": "bobs.lead"})) == []


def test_rep_can_open_their_own_lead(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")

    response = alice.get(lead.get_absolute_url())

    assert response.status_code == 200
    assert "Mary Jones" in response.text


def test_managers_see_every_lead(maria, rep_alice, rep_bob):
    leads = [LeadFactory(owner=rep_alice), LeadFactory(owner=rep_bob), LeadFactory(owner=None)]

    assert sorted(listed_ids(maria.get(LEAD_LIST))) == sorted(lead.pk for lead in leads)
    for lead in leads:
        assert maria.get(lead.get_absolute_url()).status_code == 200


def test_managers_filter_the_list_by_owner(maria, rep_alice, rep_bob):
    alices = LeadFactory(owner=rep_alice)
    LeadFactory(owner=rep_bob)

    assert listed_ids(maria.get(LEAD_LIST, {"owner": rep_alice.pk})) == [alices.pk]


def test_the_mailroom_sees_no_leads(client, mailroom_max, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    client.force_login(mailroom_max)

    response = client.get(LEAD_LIST)

    assert listed_ids(response) == []
    assert "No leads match." in response.text
    assert client.get(lead.get_absolute_url()).status_code == 404
