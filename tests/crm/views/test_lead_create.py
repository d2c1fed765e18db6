"""Adding a lead, and what happens when the person is already known."""

import pytest

from crm.models import Lead
from tests.crm.views.pages import LEAD_CREATE, LEAD_LIST
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def create_data(**fields) -> dict:
    """The new-lead form as a browser sends it: the stage select starts at New."""
    return {"stage": Lead.Stage.NEW, **fields}


def test_a_rep_adds_a_lead_they_then_own(alice, rep_alice):
    response = alice.post(
        LEAD_CREATE,
        create_data(
            first_name="Mary", email="mary@example.com", phone_number="(415) 555-2671 ext. 23"
        ),
    )

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    assert lead.owner == rep_alice
    assert (lead.phone, lead.phone_raw, lead.phone_ext) == (
        "+14155552671",
        "(415) 555-2671 ext. 23",
        "23",
    )
    assert "Mary was added." in alice.get(response.url).text


def test_a_new_lead_keeps_what_the_person_asked_us_not_to_do(alice):
    alice.post(
        LEAD_CREATE,
        create_data(
            email="mary@example.com", do_not_call="on", do_not_mail="on", email_opt_out="on"
        ),
    )

    lead = Lead.objects.get()
    assert (lead.do_not_call, lead.do_not_mail) == (True, True)
    assert lead.email_consent == Lead.EmailConsent.UNSUBSCRIBED
    assert lead.email_consent_method == "marked by alice"


def test_a_national_phone_on_a_new_lead_is_read_in_its_country(alice):
    alice.post(LEAD_CREATE, create_data(phone_number="030 1234567", country="DE"))

    lead = Lead.objects.get()
    assert (lead.phone, lead.time_zone) == ("+49301234567", "Europe/Berlin")


def test_creating_an_existing_email_opens_that_lead_for_a_manager(maria, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", company="")

    response = maria.post(
        LEAD_CREATE, create_data(email="Mary@Example.com", company="Acme"), follow=True
    )

    assert response.redirect_chain == [(lead.get_absolute_url(), 302)]
    assert "was already a lead" in response.text
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    assert lead.company == "Acme"


def test_creating_another_reps_lead_tells_the_rep_and_changes_nothing(alice, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", company="")

    response = alice.post(
        LEAD_CREATE,
        create_data(email="mary@example.com", company="Acme", do_not_call="on"),
    )

    assert response.status_code == 400
    assert "already a lead of another rep" in response.text
    assert 'value="Acme"' in response.text  # what was typed stays on the form
    assert f"/leads/{lead.pk}/" not in response.text
    lead.refresh_from_db()
    assert (lead.company, lead.owner, lead.do_not_call) == ("", rep_bob, False)


def test_the_mailroom_cannot_add_leads(client, mailroom_max):
    client.force_login(mailroom_max)

    assert "New lead" not in client.get(LEAD_LIST).text
    assert client.get(LEAD_CREATE).status_code == 403
    assert client.post(LEAD_CREATE, create_data(email="mary@example.com")).status_code == 403
    assert not Lead.objects.exists()


def test_creating_without_email_or_phone_answers_400(alice):
    response = alice.post(LEAD_CREATE, create_data(first_name="Nobody"))

    assert response.status_code == 400
    assert "Give an email address or a phone number." in response.text
    assert not Lead.objects.exists()


def test_a_new_lead_starts_as_new_whatever_the_form_says(alice):
    response = alice.post(
        LEAD_CREATE, {"first_name": "Nia", "email": "nia@example.com", "stage": "customer"}
    )

    assert response.status_code == 302
    assert Lead.objects.get(email="nia@example.com").stage == Lead.Stage.NEW
