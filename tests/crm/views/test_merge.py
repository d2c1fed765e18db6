"""Merging a duplicate lead through the merge page."""

import pytest
from django.urls import reverse

from crm.models import Lead, LeadMerge
from tests.factories import InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_merges_a_duplicate_through_the_merge_page(maria, manager_maria, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones", phone="")
    duplicate = LeadFactory(first_name="Maria", last_name="Jones", phone="+14155552671")
    InteractionFactory(lead=duplicate, notes="Visited the booth")
    url = reverse("crm:lead_merge", args=[lead.pk])

    compare = maria.get(url, {"duplicate": duplicate.pk})

    assert compare.status_code == 200
    assert "Maria Jones" in compare.text
    assert "(415) 555-2671" in compare.text  # grouped, national for a US viewer
    assert Lead.objects.filter(pk=duplicate.pk).exists()  # looking changes nothing

    response = maria.post(url, {"duplicate": duplicate.pk})

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert maria.get(duplicate.get_absolute_url()).status_code == 404
    page = maria.get(lead.get_absolute_url()).text
    assert "Visited the booth" in page
    assert f"Merged lead #{duplicate.pk}" in page
    assert "+14155552671" in page
    assert LeadMerge.objects.get().merged_by == manager_maria


def test_merging_fills_the_name_prefix_the_merge_page_showed(maria):
    lead = LeadFactory(name_prefix="", first_name="Anna", last_name="Schmidt")
    duplicate = LeadFactory(name_prefix="Dr.", first_name="Anna", last_name="Schmidt")
    url = reverse("crm:lead_merge", args=[lead.pk])

    compare = maria.get(url, {"duplicate": duplicate.pk}).text

    assert "<td>Anna Schmidt</td><td>Dr. Anna Schmidt</td>" in compare
    maria.post(url, {"duplicate": duplicate.pk})
    assert "<h1>Dr. Anna Schmidt</h1>" in maria.get(lead.get_absolute_url()).text


def test_the_lead_page_offers_a_manager_to_merge_a_possible_duplicate(maria):
    lead = LeadFactory(phone="+14155552671")
    duplicate = LeadFactory(phone="+14155552671")

    page = maria.get(lead.get_absolute_url()).text

    merge_url = reverse("crm:lead_merge", args=[lead.pk])
    assert f"{merge_url}?duplicate={duplicate.pk}" in page


def test_merging_a_lead_into_itself_answers_400(maria):
    lead = LeadFactory()
    url = reverse("crm:lead_merge", args=[lead.pk])

    response = maria.post(url, {"duplicate": lead.pk})

    assert response.status_code == 400
    assert "cannot be merged with itself" in response.text
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_merging_a_lead_that_does_not_exist_answers_404(maria):
    lead = LeadFactory()

    response = maria.post(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": 999999})

    assert response.status_code == 404


def test_a_rep_may_not_open_the_merge_page(alice, rep_alice):
    lead, other = LeadFactory(owner=rep_alice), LeadFactory(owner=rep_alice)
    url = reverse("crm:lead_merge", args=[lead.pk])

    assert alice.get(url).status_code == 403
    assert alice.post(url, {"duplicate": other.pk}).status_code == 403
    assert Lead.objects.filter(pk=other.pk).exists()


def test_a_rep_does_not_see_the_merge_link(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    assert "/merge/" not in alice.get(lead.get_absolute_url()).text


def test_a_superuser_without_a_role_can_merge(client):
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    lead, duplicate = LeadFactory(), LeadFactory()
    client.force_login(boss)

    response = client.post(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": duplicate.pk})

    assert response.status_code == 302
    assert not Lead.objects.filter(pk=duplicate.pk).exists()


def test_the_merge_page_refuses_to_compare_a_lead_with_itself(maria):
    lead = LeadFactory()

    response = maria.get(reverse("crm:lead_merge", args=[lead.pk]), {"duplicate": lead.pk})

    assert response.status_code == 400
    assert "cannot be merged with itself" in response.text
