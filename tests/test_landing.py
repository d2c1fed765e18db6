"""Every role lands on its own work: after logging in, and at `/`."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANDINGS = [
    ("rep_alice", "queue:next"),
    ("manager_maria", "reports:index"),
    ("mailroom_max", "letters:mailroom"),
]


@pytest.mark.parametrize(("persona", "landing"), LANDINGS)
def test_each_role_lands_on_its_own_work_after_logging_in(client, request, persona, landing):
    person = request.getfixturevalue(persona)

    response = client.post(
        reverse("login"), {"username": person.username, "password": "secret-pass-123"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200
    assert client.get("/").url == reverse(landing)


def test_someone_without_a_role_lands_on_the_leads(client):
    client.force_login(UserFactory(username="admin", is_staff=True))
    assert client.get("/").url == reverse("crm:lead_list")


def test_a_next_page_still_wins(client, rep_alice):
    response = client.post(
        reverse("login") + "?next=/leads/",
        {"username": "alice", "password": "secret-pass-123", "next": "/leads/"},
    )
    assert response.url == "/leads/"


def test_the_settings_hub_lists_every_settings_page_for_managers(client, manager_maria, rep_alice):
    client.force_login(rep_alice)
    assert client.get(reverse("settings")).status_code == 403
    client.force_login(manager_maria)

    page = client.get(reverse("settings")).text

    for url in (
        "users:list",
        "cadences:list",
        "holidays:list",
        "sites:list",
        "scoring:list",
        "api_tokens:list",
    ):
        assert page.count(f'href="{reverse(url)}"') >= 2, url  # the hub's card and the tab
