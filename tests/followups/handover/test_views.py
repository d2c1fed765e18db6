"""Deactivating someone at /settings/users/<pk>/deactivate/: their leads and open
touches go to one person or are dealt out evenly among the active reps (in a few
statements, whatever their number), and they can no longer log in."""

import pytest
from django.http import HttpRequest  # django-axes checks a login against its request
from django.test import Client
from django.urls import reverse

from crm.models import Lead, User
from crm.roles import Role
from followups.models import Touch
from tests.factories import LeadFactory, UserFactory
from tests.followups.factories import TouchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="Rep", role=Role.REP)


@pytest.fixture
def maria(client, manager_maria):
    client.force_login(manager_maria)
    return client


def deactivate_url(user: User) -> str:
    return reverse("handover:deactivate", args=[user.pk])


def alices_work(rep_alice, leads: int = 6) -> list[Lead]:
    """Alice's leads, each with an open call and a done one."""
    mine = LeadFactory.create_batch(leads, owner=rep_alice)
    for lead in mine:
        TouchFactory(lead=lead, assigned_to=rep_alice)
        TouchFactory(lead=lead, assigned_to=rep_alice, status=Touch.Status.DONE)
    return mine


def owners() -> dict[str, int]:
    counted: dict[str, int] = {}
    for lead in Lead.objects.select_related("owner"):
        counted[lead.owner.username] = counted.get(lead.owner.username, 0) + 1
    return counted


def test_the_page_says_what_they_have_and_offers_everyone_active(maria, rep_alice, rep_bob):
    alices_work(rep_alice, leads=2)

    page = maria.get(deactivate_url(rep_alice)).text

    assert "2 leads" in page and "2 open touches" in page
    assert "Spread evenly among the active reps" in page
    assert f'<option value="{rep_bob.pk}">Bob Rep</option>' in page
    assert f'<option value="{rep_alice.pk}">' not in page


def test_handing_to_one_person_moves_leads_and_open_touches_and_locks_them_out(
    maria, client, rep_alice, rep_bob
):
    alices_work(rep_alice)
    elsewhere = TouchFactory(lead=LeadFactory(owner=rep_bob), assigned_to=rep_alice)

    response = maria.post(deactivate_url(rep_alice), {"to": rep_bob.pk}, follow=True)

    assert "6 leads and 7 open touches went to Bob Rep" in response.text
    assert owners() == {"bob": 7}
    assert set(
        Touch.objects.filter(status=Touch.Status.PENDING).values_list("assigned_to", flat=True)
    ) == {rep_bob.pk}
    assert Touch.objects.filter(status=Touch.Status.DONE, assigned_to=rep_alice).count() == 6
    elsewhere.refresh_from_db()
    assert elsewhere.assigned_to == rep_bob
    maria.logout()
    assert not client.login(request=HttpRequest(), username="alice", password="secret-pass-123")


def test_spreading_deals_the_leads_out_evenly_least_busy_first(
    maria, rep_alice, rep_bob, rep_carol, django_assert_max_num_queries
):
    alices_work(rep_alice, leads=5)
    TouchFactory(lead=LeadFactory(owner=rep_bob), assigned_to=rep_bob)  # Bob is the busier

    with django_assert_max_num_queries(40):
        maria.post(deactivate_url(rep_alice), {"to": "spread"})

    assert owners() == {"carol": 3, "bob": 3}  # Bob's own lead, and two of Alice's
    assert not User.objects.get(pk=rep_alice.pk).is_active


def test_a_session_of_a_deactivated_user_ends(maria, rep_alice, rep_bob):
    alice = Client()
    alice.force_login(rep_alice)
    maria.post(deactivate_url(rep_alice), {"to": rep_bob.pk})

    assert alice.get(reverse("crm:lead_list")).status_code == 302


def test_no_one_to_hand_to_is_a_400_and_changes_nothing(maria, rep_alice):
    alices_work(rep_alice, leads=2)

    response = maria.post(deactivate_url(rep_alice), {"to": "spread"})

    assert response.status_code == 400
    assert "no other active rep" in response.text
    assert owners() == {"alice": 2}
    assert User.objects.get(pk=rep_alice.pk).is_active


def test_a_bad_choice_is_a_400(maria, rep_alice, manager_maria):
    response = maria.post(deactivate_url(rep_alice), {"to": rep_alice.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in response.text
    assert maria.post(deactivate_url(manager_maria), {"to": "spread"}).status_code == 400


def test_reps_cannot_deactivate_anyone(client, rep_alice, rep_bob):
    client.force_login(rep_alice)
    assert client.post(deactivate_url(rep_bob), {"to": rep_alice.pk}).status_code == 403
    assert User.objects.get(pk=rep_bob.pk).is_active
