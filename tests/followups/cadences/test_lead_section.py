"""The lead page's cadences: each enrolment with its step, state and next due,
pause, resume and remove; and enrolling the lead by hand."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from followups.cadences.models import Channel, Enrolment
from followups.cadences.services import enrolment_create, enrolments_end
from followups.models import Touch
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory, cadence_with

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(rep_alice):
    return LeadFactory(owner=rep_alice, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def expo():
    """A task now, then a call two days later."""
    return cadence_with(
        {"channel": Channel.TASK},
        {"channel": Channel.CALL, "wait": 2, "wait_unit": "days"},
        name="Expo follow-up",
    )


def enrol(cadence, lead) -> Enrolment:
    return enrolment_create(cadence=cadence, lead=lead, source="Visited the booth")


def row_text(response, enrolment) -> str:
    row = re.search(rf'<tr id="enrolment-{enrolment.pk}">(.*?)</tr>', response.text, re.S)
    assert row, response.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row.group(1))).split())


def action(enrolment, name) -> str:
    return reverse(f"enrolments:{name}", args=[enrolment.pk])


def test_the_lead_page_shows_each_cadence_with_its_step_state_and_next_due(
    alice, lead, expo, settings
):
    settings.TIME_ZONE = "UTC"
    running = enrol(expo, lead)
    ended = enrol(cadence_with({"channel": Channel.TASK}, name="Old play"), lead)
    enrolments_end(enrolments=Enrolment.objects.filter(pk=ended.pk), reason="They replied")

    response = alice.get(lead.get_absolute_url())

    assert response.status_code == 200
    assert row_text(response, running) == (
        "Expo follow-up Visited the booth 1: Task Active Tue 10 Mar 2026, 15:00 Pause Remove"
    )
    assert row_text(response, ended) == "Old play Visited the booth 1: Task Exited (They replied) —"
    assert action(running, "pause") in response.text
    assert action(ended, "pause") not in response.text


def test_pausing_takes_the_planned_step_back_and_resuming_plans_it_again(alice, lead, expo):
    enrolment = enrol(expo, lead)

    paused = alice.post(action(enrolment, "pause"))
    page = alice.get(lead.get_absolute_url())
    resumed = alice.post(action(enrolment, "resume"))

    assert paused.status_code == 302
    assert paused.url == lead.get_absolute_url()
    assert "1: Task Paused — Resume Remove" in row_text(page, enrolment)
    assert resumed.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    statuses = list(Touch.objects.filter(enrolment=enrolment).order_by("pk").values_list("status"))
    assert statuses == [(Touch.Status.CANCELLED,), (Touch.Status.PENDING,)]


def test_removing_ends_the_enrolment_and_says_who(alice, lead, expo):
    enrolment = enrol(expo, lead)

    response = alice.post(action(enrolment, "remove"))

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.exit_reason) == ("exited", "Removed by Alice Rep")
    assert not Touch.objects.filter(enrolment=enrolment, status__in=Touch.OPEN).exists()


def test_a_manager_may_pause_any_leads_cadence(maria, lead, expo):
    enrolment = enrol(expo, lead)

    maria.post(action(enrolment, "pause"))

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PAUSED


def test_another_rep_can_neither_see_nor_change_a_leads_cadences(client, rep_bob, lead, expo):
    enrolment = enrol(expo, lead)
    client.force_login(rep_bob)

    answers = [
        client.post(action(enrolment, name)).status_code for name in ("pause", "resume", "remove")
    ]
    enrolling = client.post(reverse("enrolments:create", args=[lead.pk]), {"cadence": expo.pk})

    assert answers == [404, 404, 404]
    assert enrolling.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE


def test_the_actions_only_take_posts(alice, lead, expo):
    enrolment = enrol(expo, lead)

    assert alice.get(action(enrolment, "pause")).status_code == 405


# Enrolling by hand


def test_the_lead_page_offers_every_cadence_the_lead_is_not_in(alice, lead, expo):
    enrol(expo, lead)
    CadenceFactory(name="Winter nurture", is_active=False)

    response = alice.get(lead.get_absolute_url())

    # Other apps' sections (the erasure note, the history) come and go around it.
    sections = response.context["sections"]
    section = next(part.data for part in sections if "enrol_form" in part.data)
    choices = [label for _, label in section["enrol_form"].fields["cadence"].choices]
    assert "Winter nurture (switched off)" in choices
    assert "Expo follow-up" not in choices
    assert reverse("enrolments:create", args=[lead.pk]) in response.text


def test_enrolling_by_hand_starts_the_cadence_and_says_who(alice, rep_alice, lead, expo):
    expo.is_active = False  # switched off: triggers enrol nobody, a person may
    expo.save()

    response = alice.post(reverse("enrolments:create", args=[lead.pk]), {"cadence": expo.pk})

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.cadence, enrolment.enrolled_by) == (expo, rep_alice)
    assert enrolment.source == "Enrolled by hand by Alice Rep"
    assert Touch.objects.get(enrolment=enrolment).channel == Channel.TASK
    page = alice.get(response.url)
    assert "Ada Lovelace is enrolled in Expo follow-up." in html.unescape(page.text)


def test_enrolling_twice_says_they_are_in_it_already(alice, lead, expo):
    enrol(expo, lead)
    url = reverse("enrolments:create", args=[lead.pk])

    # The form no longer offers it; a stale page may still post it.
    response = alice.post(url, {"cadence": expo.pk})

    assert response.status_code == 400
    assert "cadence" in response.context["form"].errors
    assert Enrolment.objects.filter(lead=lead).count() == 1


def test_a_cadence_without_steps_enrols_nobody(alice, lead):
    empty = CadenceFactory(name="Empty")

    response = alice.post(reverse("enrolments:create", args=[lead.pk]), {"cadence": empty.pk})

    assert response.status_code == 302
    assert not Enrolment.objects.exists()
    page = alice.get(response.url)
    assert "Empty has no steps yet: nobody can be enrolled." in html.unescape(page.text)


@pytest.mark.parametrize("cadence", ["", "999999", "abc"])
def test_a_missing_or_unknown_cadence_answers_400_with_the_field_error(alice, lead, cadence):
    response = alice.post(reverse("enrolments:create", args=[lead.pk]), {"cadence": cadence})

    assert response.status_code == 400
    assert "cadence" in response.context["form"].errors


def test_enrolling_goes_back_where_it_was_asked_only_on_this_site(alice, lead, expo):
    url = reverse("enrolments:create", args=[lead.pk])

    outside = alice.post(url, {"cadence": expo.pk, "next": "https://evil.example.com/"})

    assert outside.url == lead.get_absolute_url()


def test_the_enrol_page_shows_the_form(alice, lead, expo):
    response = alice.get(reverse("enrolments:create", args=[lead.pk]))

    assert response.status_code == 200
    assert "Enrol Ada Lovelace in a cadence" in html.unescape(response.text)


def test_a_manager_goes_from_the_lead_page_to_the_cadences_page(maria, manager_maria):
    lead = LeadFactory(owner=None)
    cadence = cadence_with({"channel": Channel.TASK}, name="Expo follow-up")
    enrolment_create(cadence=cadence, lead=lead, source="test")

    page = maria.get(lead.get_absolute_url())

    assert f'href="{reverse("cadences:detail", args=[cadence.pk])}"' in page.text
