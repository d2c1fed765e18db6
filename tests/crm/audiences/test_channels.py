"""Every channel uses audiences: the call queue, cadence enrolment, print runs."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.urls import reverse

from crm.audiences.models import Audience
from crm.audiences.services import audience_members_update, audience_save
from crm.models import Lead
from followups.cadences.audiences import cadence_audience_sync
from followups.models import Channel, Enrolment, Touch
from followups.queue.services import call_claim_next
from mailings.letters.models import PrintRun
from tests.factories import LeadFactory
from tests.mailings.factories import email_cadence
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory

pytestmark = pytest.mark.django_db

# A Tuesday afternoon in London: inside calling hours.
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
GERMANY = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}
_phones, _keys = itertools.count(10), itertools.count()


@pytest.fixture(autouse=True)
def tuesday_afternoon():
    with time_machine.travel(NOW, tick=False):
        yield


def audience_of(definition: dict, by, name: str = "Germans") -> Audience:
    return audience_save(name=name, definition=definition, is_active=True, by=by)


def callable_lead(owner, name: str, country: str = "GB"):
    return LeadFactory(
        first_name=name,
        last_name="Test",
        owner=owner,
        phone=f"+4420794600{next(_phones):02d}",
        country=country,
        time_zone="Europe/London",
    )


def call_for(lead, priority: int) -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel=Channel.CALL,
        due_at=NOW - dt.timedelta(hours=1),
        reason="Downloaded the pricing guide",
        origin="Test",
        priority=priority,
        assigned_to=lead.owner,
        key=f"test:{next(_keys)}",
    )


def card_heading(response) -> str:
    match = re.search(r'<h2 id="call-card-heading"[^>]*>([^<]*)</h2>', response.text)
    assert match, response.text
    return match.group(1)


# The call queue


@pytest.fixture
def calls(rep_alice, manager_maria):
    """Alice's queue: the most urgent call is to an Englishman, two others to Germans."""
    call_for(callable_lead(rep_alice, "Ed"), priority=90)
    call_for(callable_lead(rep_alice, "Hans", country="DE"), priority=50)
    call_for(callable_lead(rep_alice, "Greta", country="DE"), priority=40)
    return audience_of(GERMANY, manager_maria)


def test_todays_list_can_be_filtered_by_an_audience(alice, calls):
    everyone = alice.get(reverse("queue:list"))
    germans = alice.get(reverse("queue:list"), {"audience": calls.pk})

    assert [row.touch.lead.first_name for row in everyone.context["rows"]] == [
        "Ed",
        "Hans",
        "Greta",
    ]
    assert [row.touch.lead.first_name for row in germans.context["rows"]] == ["Hans", "Greta"]
    assert f'href="{reverse("queue:next")}?audience={calls.pk}"' in germans.text


def test_an_unknown_audience_works_the_whole_queue(alice, calls):
    response = alice.get(reverse("queue:next"), {"audience": "9" * 30})

    assert card_heading(response) == "Call Ed Test"


def test_a_paused_audience_is_not_offered_to_the_queue(alice, calls):
    Audience.objects.filter(pk=calls.pk).update(is_active=False)

    response = alice.get(reverse("queue:list"), {"audience": calls.pk})

    assert response.status_code == 400


def test_the_claim_honours_the_audience_the_rep_works(rep_alice, calls):
    claimed = call_claim_next(user=rep_alice, audience_id=calls.pk)

    assert claimed.lead.first_name == "Hans"
    assert claimed.claimed_by == rep_alice


def test_a_rep_works_an_audiences_calls_until_going_back_to_the_whole_queue(alice, calls):
    first = alice.get(reverse("queue:next"), {"audience": calls.pk})
    assert card_heading(first) == "Call Hans Test"
    assert "Only calls to leads in the audience" in first.text

    touch = first.context["touch"]
    logged = alice.post(reverse("queue:log", args=[touch.pk]), {"outcome": "no_answer"}, **HTMX)
    assert card_heading(logged) == "Call Greta Test"  # still the audience, not Ed

    skipped = alice.post(reverse("queue:skip", args=[logged.context["touch"].pk]), **HTMX)
    assert card_heading(skipped) == "Nothing to call right now"

    whole = alice.get(reverse("queue:next"), {"audience": ""})
    assert card_heading(whole) == "Call Ed Test"
    assert "Only calls to leads in the audience" not in whole.text


@pytest.mark.parametrize("count", [2, 20])
def test_todays_list_filtered_by_an_audience_costs_a_fixed_number_of_queries(
    alice, rep_alice, manager_maria, count, django_assert_max_num_queries
):
    for n in range(count):
        call_for(callable_lead(rep_alice, f"Lead{n}", country="DE"), priority=50)
    audience = audience_of(GERMANY, manager_maria)

    # as without (the calling hours too), and the audience chosen
    with django_assert_max_num_queries(12):
        response = alice.get(reverse("queue:list"), {"audience": audience.pk})

    assert len(response.context["rows"]) == count


# Cadences


def test_a_manager_enrols_an_audiences_members_in_a_cadence(maria, manager_maria):
    cadence = email_cadence(0, name="Nurture")
    hans, greta = (LeadFactory(first_name=n, country="DE") for n in ("Hans", "Greta"))
    LeadFactory(first_name="Ann", country="US")
    audience = audience_of(GERMANY, manager_maria)
    url = reverse("cadences:enrol") + f"?audience={audience.pk}"

    page = maria.get(url + f"&cadence={cadence.pk}")
    assert page.status_code == 200
    assert page.context["matching"] == 2
    assert "The members of the audience" in page.text
    assert "Enrol <strong>2 leads</strong> in <strong>Nurture</strong>?" in page.text
    response = maria.post(url + f"&cadence={cadence.pk}", {"cadence": cadence.pk, "expected": 2})

    assert response.status_code == 302
    enrolled = cadence.enrolments.values_list("lead_id", flat=True)
    assert set(enrolled) == {hans.pk, greta.pk}


def test_enrolling_from_an_unknown_audience_is_not_found(maria):
    assert maria.get(reverse("cadences:enrol"), {"audience": "4242"}).status_code == 404
    assert maria.get(reverse("cadences:enrol"), {"audience": "x"}).status_code == 404
    assert maria.get(reverse("cadences:enrol"), {"audience": "9" * 30}).status_code == 404


def enrolled(cadence) -> set[str]:
    enrolments = Enrolment.objects.filter(cadence=cadence, status=Enrolment.Status.ACTIVE)
    return set(enrolments.values_list("lead__first_name", flat=True))


def test_a_cadence_on_an_audience_enrols_its_members_and_whoever_joins_later(manager_maria):
    LeadFactory(first_name="Hans", country="DE")
    audience = audience_of(GERMANY, manager_maria)
    cadence = email_cadence(0, 24, name="Nurture", audience=audience)

    assert cadence_audience_sync(cadence=cadence) == 1  # switched on: those in it now
    greta = LeadFactory(first_name="Greta", country="DE")
    audience_members_update(lead_ids=[greta.pk], now=NOW)  # joins: enrolled at once

    assert enrolled(cadence) == {"Hans", "Greta"}
    assert cadence_audience_sync(cadence=cadence) == 0  # nobody twice


def test_leaving_the_audience_ends_the_cadence_where_it_says_so(manager_maria):
    hans = LeadFactory(first_name="Hans", country="DE")
    audience = audience_of(GERMANY, manager_maria)
    cadence = email_cadence(0, 24, audience=audience, exit_on_audience_leave=True)
    cadence_audience_sync(cadence=cadence)

    Lead.objects.filter(pk=hans.pk).update(country="US")  # moved away
    audience_members_update(lead_ids=[hans.pk], now=NOW)

    enrolment = Enrolment.objects.get(cadence=cadence)
    assert (enrolment.status, enrolment.exit_reason) == ("exited", "Left the audience Germans")
    assert not Touch.objects.filter(enrolment=enrolment, status=Touch.Status.PENDING).exists()


# Letters


def test_a_manager_prints_letters_for_an_audiences_members(maria, manager_maria):
    template = LetterTemplateFactory(name="Conference follow-up")
    hans = MailableLeadFactory(first_name="Hans", country="DE", city="Berlin")
    MailableLeadFactory(first_name="Ann", country="US")
    audience = audience_of(GERMANY, manager_maria)
    url = reverse("letters:run_create") + f"?audience={audience.pk}"

    page = maria.get(url)
    assert page.context["matching"] == 1
    assert page.context["form"]["source"].value() == "leads"
    assert "The members of the audience" in page.text
    fields = {"name": "German letters", "template": template.pk, "paper": "a4", "source": "leads"}
    response = maria.post(url, fields)

    run = PrintRun.objects.get(name="German letters")
    assert response.status_code == 302
    assert (run.source, run.source_description) == (PrintRun.Source.LEADS, "Audience: Germans")
    assert list(run.letters.values_list("lead_id", flat=True)) == [hans.pk]


def test_printing_for_an_unknown_audience_is_not_found(maria):
    assert maria.get(reverse("letters:run_create"), {"audience": "4242"}).status_code == 404
