import json

from django.urls import reverse

from crm.models import Lead
from crm.privacy.models import Erasure
from crm.privacy.services import lead_erase
from tests.crm.privacy.people import EMAIL, NAME
from tests.factories import LeadFactory


def test_a_manager_sees_the_buttons_on_the_lead_page(maria, world):
    page = maria.get(world.lead.get_absolute_url()).content.decode()

    assert "Export personal data" in page
    assert "Erase this person" in page


def test_a_rep_does_not_see_them(alice, world):
    page = alice.get(world.lead.get_absolute_url()).content.decode()

    assert "Export personal data" not in page
    assert "Erase this person" not in page


def test_a_manager_downloads_the_json(maria, world):
    response = maria.get(reverse("privacy:lead_export", args=[world.lead.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["lead"][0]["email"] == EMAIL


def test_a_rep_may_not_export_their_own_lead(alice, world):
    response = alice.get(reverse("privacy:lead_export", args=[world.lead.pk]))

    assert response.status_code == 403


def test_a_rep_does_not_learn_of_another_reps_lead(alice, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    for name in ("privacy:lead_export", "privacy:lead_erase"):
        assert alice.get(reverse(name, args=[lead.pk])).status_code == 404


def test_the_confirmation_page_names_what_will_be_erased(maria, world):
    response = maria.get(reverse("privacy:lead_erase", args=[world.lead.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert NAME in page
    assert "Interactions" in page and "Emails" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert not Erasure.objects.exists()


def test_erasing_needs_the_box_ticked(maria, world):
    response = maria.post(reverse("privacy:lead_erase", args=[world.lead.pk]))

    assert response.status_code == 400
    assert Lead.objects.get(pk=world.lead.pk).email == EMAIL


def test_a_manager_erases_the_person(maria, world, manager_maria):
    response = maria.post(reverse("privacy:lead_erase", args=[world.lead.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert Lead.objects.get(pk=world.lead.pk).email == ""
    assert Erasure.objects.get().erased_by == manager_maria
    page = maria.get(response["Location"]).content.decode()
    assert NAME not in page


def test_a_rep_may_not_erase_their_own_lead(alice, world):
    response = alice.post(reverse("privacy:lead_erase", args=[world.lead.pk]), {"confirm": "on"})

    assert response.status_code == 403
    assert Lead.objects.get(pk=world.lead.pk).email == EMAIL


def test_erasing_is_a_post_with_a_csrf_token(client, manager_maria, world):
    client.handler.enforce_csrf_checks = True
    client.force_login(manager_maria)

    response = client.post(reverse("privacy:lead_erase", args=[world.lead.pk]), {"confirm": "on"})

    assert response.status_code == 403
    assert not Erasure.objects.exists()


def test_the_lead_page_says_the_person_was_erased_and_by_whom(maria, world, manager_maria):
    assert "was erased" not in maria.get(world.lead.get_absolute_url()).content.decode()

    lead_erase(lead=world.lead, by=manager_maria)

    page = maria.get(world.lead.get_absolute_url()).content.decode()
    assert "This person's data was erased on" in page
    assert "by Maria Manager" in page
