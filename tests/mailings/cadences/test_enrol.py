"""Enrolling leads in bulk (/cadences/enrol/): from the lead list's filters, an
audience or an import, with the count confirmed first."""

import re

import pytest
from django.urls import reverse

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh
from crm.models import Lead
from followups.cadences.models import Cadence, Channel, Enrolment
from followups.cadences.services import enrolment_create
from followups.models import Touch
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory, cadence_with
from tests.mailings.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")
ENROL = reverse("cadences:enrol")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def nurture(db):
    return cadence_with({"channel": Channel.EMAIL}, {"channel": Channel.TASK}, name="Nurture")


def test_enrolling_confirms_the_count_then_enrols_the_filtered_leads(maria, nurture, rep_alice):
    working = [LeadFactory(stage=Lead.Stage.WORKING, owner=rep_alice) for _ in range(3)]
    LeadFactory(stage=Lead.Stage.NEW)
    enrolment_create(cadence=nurture, lead=working[0], source="its trigger")
    url = f"{ENROL}?stage=working&cadence={nurture.pk}"

    chosen = maria.get(url)
    assert chosen.status_code == 200
    assert "Enrol <strong>2 leads</strong> in <strong>Nurture</strong>?" in chosen.text
    assert "1 is in it already" in chosen.text
    response = maria.post(url, {"cadence": nurture.pk, "expected": 2})

    assert response.status_code == 302
    assert response.url == nurture.get_absolute_url()
    active = Enrolment.objects.filter(cadence=nurture, status=Enrolment.Status.ACTIVE)
    assert set(active.values_list("lead_id", flat=True)) == {lead.pk for lead in working}
    new = active.filter(enrolled_by__username="maria")
    assert new.count() == 2
    assert new.first().source == "Enrolled in bulk (Stage: Working)"
    assert new.first().enrolled_at == NOW
    assert Touch.objects.filter(enrolment__in=new, step__position=1).count() == 2


def test_enrolling_asks_again_when_the_count_changed(maria, nurture):
    LeadFactory.create_batch(2, stage=Lead.Stage.WORKING)

    response = maria.post(f"{ENROL}?stage=working", {"cadence": nurture.pk, "expected": 1})

    assert response.status_code == 400
    assert "The number of leads changed" in response.text
    assert 'name="expected" value="2"' in response.text
    assert not Enrolment.objects.filter(cadence=nurture).exists()


def test_the_page_shows_the_filters_in_words_and_keeps_them(maria, nurture, rep_alice):
    LeadFactory(stage=Lead.Stage.WORKING, owner=rep_alice, country="DE")

    response = maria.get(ENROL, {"stage": "working", "owner": rep_alice.pk, "country": "Germany"})

    assert response.status_code == 200
    text = text_of(response)
    assert "1 lead" in text
    assert "Stage : Working, Owner : Alice Rep, Country : Germany" in text
    assert 'name="stage" value="working"' in response.text  # kept for the next step


def test_a_cadence_without_steps_is_not_offered_and_one_switched_off_says_so(maria, nurture):
    CadenceFactory(name="Empty")
    Cadence.objects.filter(pk=nurture.pk).update(is_active=False)

    response = maria.get(ENROL)

    assert "Nurture (switched off)" in response.text
    assert ">Empty<" not in response.text
    chosen = maria.get(ENROL, {"cadence": nurture.pk})
    assert "The cadence is switched off" in chosen.text


def test_bad_filters_and_unknown_cadences_are_a_400(maria, nurture):
    empty = CadenceFactory(name="Empty")

    assert maria.get(ENROL, {"stage": "nonsense"}).status_code == 400
    assert maria.get(ENROL, {"cadence": 999999}).status_code == 400
    assert maria.get(ENROL, {"cadence": empty.pk}).status_code == 400
    assert maria.post(ENROL, {"cadence": "x", "expected": 0}).status_code == 400
    assert maria.post(ENROL, {"cadence": nurture.pk, "expected": "-3"}).status_code == 400
    assert not Enrolment.objects.filter(cadence=nurture).exists()


def test_an_audiences_members_are_enrolled(maria):
    cadence = cadence_with({"channel": Channel.TASK}, name="Spanish welcome")
    audience = Audience.objects.create(
        name="Spain",
        definition={"match": "all", "rules": [{"type": "country", "countries": ["ES"]}]},
    )
    members = LeadFactory.create_batch(2, country="ES")
    LeadFactory(country="FR")
    audience_refresh(audience=audience, now=NOW)
    url = f"{ENROL}?audience={audience.pk}&cadence={cadence.pk}"

    page = maria.get(url)
    response = maria.post(url, {"cadence": cadence.pk, "expected": 2})

    assert "The members of the audience Spain" in text_of(page)
    assert response.status_code == 302
    enrolled = Enrolment.objects.filter(cadence=cadence)
    assert set(enrolled.values_list("lead_id", flat=True)) == {lead.pk for lead in members}
    assert enrolled.first().source == "Enrolled in bulk (Audience: Spain)"


def test_an_unknown_audience_is_not_found(maria):
    for value in ("4242", "x", "9" * 30):
        assert maria.get(ENROL, {"audience": value}).status_code == 404


def test_a_thousand_leads_are_enrolled_set_based_with_each_first_step_once(
    maria, nurture, django_assert_max_num_queries
):
    leads = LeadFactory.create_batch(1000, stage=Lead.Stage.QUALIFIED)
    enrolment_create(cadence=nurture, lead=leads[0], source="test")

    with django_assert_max_num_queries(40):
        response = maria.post(f"{ENROL}?stage=qualified", {"cadence": nurture.pk, "expected": 999})

    assert response.status_code == 302
    assert Enrolment.objects.filter(cadence=nurture).count() == 1000
    assert Touch.objects.filter(enrolment__cadence=nurture, step__position=1).count() == 1000


def test_reps_may_not_enrol_in_bulk(alice, nurture):
    assert alice.get(ENROL).status_code == 403
    assert alice.post(ENROL, {"cadence": nurture.pk, "expected": 0}).status_code == 403
