"""The manager's cadence pages: who may open them, the list, a cadence's page (steps,
people, CSV) and pausing, resuming and removing people."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Interaction
from followups.cadences.models import Cadence, CadenceTrigger, Channel, Enrolment, ExitCondition
from followups.cadences.services import enrolment_create
from followups.cadences.triggers import exit_reason
from followups.models import Touch
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import CallableLeadFactory
from tests.mailings.cadences.factories import enrolment, sent_email, step_touch
from tests.mailings.cadences.pages import row_of, text_of
from tests.mailings.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")
Kind = Interaction.Kind
Status = Enrolment.Status
LIST = reverse("cadences:list")
KNOWN = {"last_name": "Known", "company": "Known"}  # nothing a search for "dana" finds

# Who may open the pages


def test_the_cadence_pages_are_for_managers_only(client, rep_alice, mailroom_max, booth, dana):
    pages = [
        LIST,
        reverse("cadences:enrol"),
        booth.get_absolute_url(),
        reverse("cadences:people_csv", args=[booth.pk]),
        reverse("cadences:switch_on", args=[booth.pk]),
    ]
    actions = [
        reverse("cadences:enrolment_action", args=[booth.pk, dana.pk, "remove"]),
        reverse("cadences:pause", args=[booth.pk]),
        reverse("cadences:resume", args=[booth.pk]),
        reverse("cadences:switch_off", args=[booth.pk]),
    ]

    for url in pages:
        assert client.get(url).status_code == 302, url  # to the login page
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 403, url
        for url in actions:
            assert client.post(url).status_code == 403, url
    dana.refresh_from_db()
    booth.refresh_from_db()
    assert (dana.status, booth.is_active) == (Status.ACTIVE, True)


# The list


def test_the_list_shows_each_cadences_channels_trigger_state_people_and_rates(maria, booth):
    for _ in range(2):
        enrolment(booth)
    enrolment(booth, status=Status.PAUSED)
    enrolment(booth, status=Status.FINISHED)
    enrolment(booth, status=Status.EXITED, exit_reason=exit_reason(ExitCondition.REPLIED))
    met = enrolment(booth, status=Status.EXITED, exit_reason="Removed by Maria Manager")
    InteractionFactory(lead=met.lead, kind=Kind.MEETING, occurred_at=NOW)

    response = maria.get(LIST)

    assert response.status_code == 200
    row = row_of(response, booth)
    assert row.startswith("Booth follow-up")
    icons = r'aria-label="Call".*aria-label="Email".*aria-label="Letter"'
    assert re.search(icons, response.text, re.S)
    assert "Booth visit" in row
    assert "On Switch off Booth follow-up" in row
    # In it now (2 active, 1 paused), finished 1, exited 2; of 6 enrolled, 1 replied, 1 met.
    assert "3 (1 paused) 1 2 17% (1) 17% (1)" in row
    assert f'href="{reverse("cadences:create")}"' in response.text
    assert "Of the people ever enrolled, the share who replied" in response.text  # the tooltip


def test_an_ending_trigger_is_shown_as_what_ends_it_not_what_enrols(maria, booth):
    CadenceTrigger.objects.create(cadence=booth, kind=Kind.PURCHASE, ends=True)

    row = row_of(maria.get(LIST), booth)
    page = text_of(maria.get(booth.get_absolute_url()))

    assert "Booth visit" in row and "Purchase" not in row
    assert "Enrols Booth visit" in page
    assert "Ends early when They reply to an email;" in page
    assert "An email to them bounces; Purchase happens" in page


def test_a_cadence_switched_off_offers_to_switch_it_on(maria, booth):
    Cadence.objects.filter(pk=booth.pk).update(is_active=False)

    row = row_of(maria.get(LIST), booth)

    assert "Off Switch on… Booth follow-up" in row


def test_the_list_takes_a_fixed_number_of_queries(maria, booth, django_assert_max_num_queries):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert maria.get(LIST).status_code == 200
        return len(captured)

    # The session, the user, the roles, the nav's permissions (2), then cadences,
    # steps, triggers, enrolment counts.
    with django_assert_max_num_queries(9):
        maria.get(LIST)
    before = queries()
    for number in range(3):
        more = cadence_with({"channel": Channel.TASK}, {"channel": Channel.CALL})
        CadenceTrigger.objects.create(cadence=more, kind=Kind.PURCHASE)
        for _ in range(number + 1):
            enrolment(more)

    assert queries() == before


# A cadence's page


def test_the_page_shows_each_step_with_its_people_and_results(
    maria, booth, dana, django_assert_max_num_queries
):
    call, email, _letter = booth.steps.order_by("position")
    others = [enrolment(booth, step=call) for _ in range(2)]
    step_touch(others[0], call, outcome="no_answer")
    step_touch(others[1], call, outcome="meeting")
    step_touch(others[1], call, status=Touch.Status.SKIPPED, outcome="No phone number")
    a, b = email.variants.order_by("label")
    for number in range(40):
        sent_email(a, clicked=number < 4)
        sent_email(b, clicked=number < 20)
    sent_email(a, machine_opens=2)

    # The session, the user, the roles, the nav's permissions (2); the cadence, its
    # triggers, steps, variants; people per step, touches per step, emails per
    # variant, the counts; the people and how many.
    with django_assert_max_num_queries(15):
        response = maria.get(booth.get_absolute_url())

    assert response.status_code == 200
    text = text_of(response)
    assert "Step 1: Call" in text and "Step 2: Email" in text and "Step 3: Letter" in text
    assert "On it now 3 Calls made 2 Skipped 1" in text
    assert "On it now 0 Sent 81 Skipped 0" in text
    assert "Meeting booked 1" in text and "No answer 1" in text
    assert "Skipped because: No phone number (1)" in text
    assert "Clicks: B leads on clicks, 99% confidence" in text
    assert "Not counted: 2 opens and 0 clicks by mail scanners" in text
    assert "Letters mailed 0" in text
    assert "Booth visit" in text  # what enrols


def test_the_people_list_filters_searches_and_pages(maria, booth, dana):
    for number in range(55):
        enrolment(
            booth, LeadFactory(first_name=f"P{number:02d}", **KNOWN), step=booth.steps.first()
        )
    gone = enrolment(booth, LeadFactory(first_name="Gone", **KNOWN), status=Status.EXITED)
    Enrolment.objects.filter(pk=gone.pk).update(exit_reason="Unsubscribe")
    url = booth.get_absolute_url()

    first = maria.get(url)
    second = maria.get(url, {"page": 2})
    exited = maria.get(url, {"state": Status.EXITED})
    found = maria.get(url, {"state": "any", "q": "dana"})

    assert "56 people; page 1 of 2, newest first." in text_of(first)
    assert "Gone" not in first.text
    assert "Dana Whitfield" in second.text and "Next →" not in second.text
    assert "Gone" in exited.text and "Unsubscribe" in exited.text and "Dana" not in exited.text
    assert "Dana Whitfield" in found.text and "P01" not in found.text
    assert maria.get(url, {"page": "x"}).status_code == 200  # the first page
    bad = maria.get(url, {"state": "nonsense"})
    assert bad.status_code == 400
    assert "Select a valid choice." in bad.text


def test_the_next_due_step_is_shown(maria, booth, dana):
    response = maria.get(booth.get_absolute_url())

    due = dana.touches.get().due_at
    assert f'<time datetime="{due.isoformat()}">' in response.text


def test_the_people_csv_has_the_filtered_people_with_formulas_neutralised(maria, booth, dana):
    evil = LeadFactory(first_name="=HYPERLINK(1)", last_name="", email="evil@example.org")
    enrolment(booth, evil, status=Status.EXITED, exit_reason="+1 reasons")
    url = reverse("cadences:people_csv", args=[booth.pk])

    response = maria.get(url, {"state": "any"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="cadence-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    by_email = {row["Email"]: row for row in rows}
    assert set(by_email) == {dana.lead.email, "evil@example.org"}
    assert by_email["evil@example.org"]["Name"] == "'=HYPERLINK(1)"
    assert by_email["evil@example.org"]["Exit reason"] == "'+1 reasons"
    assert by_email[dana.lead.email]["State"] == "Active"
    assert by_email[dana.lead.email]["Step"] == "1"
    assert by_email[dana.lead.email]["Next due"] == "2026-03-10T15:00:00Z"
    in_it = b"".join(maria.get(url).streaming_content).decode("utf-8-sig")
    assert "evil@example.org" not in in_it
    assert maria.get(url, {"state": "x"}).status_code == 400


# Pause, resume, remove


def action(booth, enrolment, name):
    return reverse("cadences:enrolment_action", args=[booth.pk, enrolment.pk, name])


def test_pausing_and_resuming_a_person(maria, booth, dana):
    back = "state=any&q=dana"

    paused = maria.post(action(booth, dana, "pause"), {"back": back})

    dana.refresh_from_db()
    assert dana.status == Status.PAUSED
    assert dana.touches.get().status == Touch.Status.CANCELLED
    assert paused.url == f"{booth.get_absolute_url()}?{back}#people"
    again = maria.post(action(booth, dana, "pause"), follow=True)
    assert "Dana Whitfield was not active in Booth follow-up." in again.text

    resumed = maria.post(action(booth, dana, "resume"), follow=True)

    dana.refresh_from_db()
    assert dana.status == Status.ACTIVE
    assert dana.touches.filter(status=Touch.Status.PENDING).count() == 1
    assert "Resumed Dana Whitfield in Booth follow-up." in resumed.text


def test_removing_a_person_ends_the_enrolment_and_its_planned_step(maria, booth, dana):
    response = maria.post(action(booth, dana, "remove"), follow=True)

    dana.refresh_from_db()
    assert (dana.status, dana.exit_reason) == (Status.EXITED, "Removed by Maria Manager")
    assert dana.touches.get().status == Touch.Status.CANCELLED
    assert "Removed Dana Whitfield from Booth follow-up." in response.text
    again = maria.post(action(booth, dana, "remove"), follow=True)
    assert "Dana Whitfield was no longer in Booth follow-up." in again.text


def test_a_person_is_changed_only_through_their_own_cadence_and_known_actions(maria, booth, dana):
    other = cadence_with({"channel": Channel.TASK})

    assert maria.post(action(other, dana, "remove")).status_code == 404
    assert maria.post(action(booth, dana, "delete")).status_code == 404
    assert maria.get(action(booth, dana, "remove")).status_code == 405
    dana.refresh_from_db()
    assert dana.status == Status.ACTIVE


def test_the_back_link_stays_on_the_page(maria, booth, dana):
    response = maria.post(action(booth, dana, "pause"), {"back": "//evil.example/x?y=1"})

    assert response.url.startswith(f"{booth.get_absolute_url()}?")
    assert response.url.endswith("#people")


def test_pausing_and_resuming_the_whole_cadence(maria, booth, dana):
    others = [
        enrolment_create(cadence=booth, lead=CallableLeadFactory(), source="t") for _ in range(2)
    ]
    finished = enrolment(booth, status=Status.FINISHED)

    paused = maria.post(reverse("cadences:pause", args=[booth.pk]), follow=True)

    statuses = set(booth.enrolments.exclude(pk=finished.pk).values_list("status", flat=True))
    assert statuses == {Status.PAUSED}
    assert "Paused 3 people in Booth follow-up." in paused.text
    assert not Touch.objects.filter(enrolment__in=[dana, *others], status="pending").exists()

    resumed = maria.post(reverse("cadences:resume", args=[booth.pk]), follow=True)

    statuses = set(booth.enrolments.exclude(pk=finished.pk).values_list("status", flat=True))
    assert statuses == {Status.ACTIVE}
    assert "Resumed 3 people in Booth follow-up." in resumed.text
    assert Touch.objects.filter(enrolment__in=[dana, *others], status="pending").count() == 3
    finished.refresh_from_db()
    assert finished.status == Status.FINISHED
