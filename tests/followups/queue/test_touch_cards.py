"""The rep's personal emails and tasks in the queue: counted and listed on the
queue page, each worked on a card of its own; and the call card's cadence."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from crm.models import Interaction
from followups.cadences.models import Channel, Enrolment, OutcomePolicy
from followups.cadences.services import enrolment_create
from followups.calling_hours import calling_hours, holidays_near
from followups.models import Touch
from followups.queue.services import call_claim_next
from mailings.models import OutboxEmail, StepVariant
from tests.factories import InteractionFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with

pytestmark = pytest.mark.django_db

# A Tuesday: 15:00 in London.
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
QUEUE = reverse("queue:next")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def tuesday_afternoon():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def play(*steps, name="Expo follow-up"):
    """A cadence of these steps ({"channel": ...}); each personal email step gets a
    variant with merge fields."""
    cadence = cadence_with(*steps, name=name)
    for step in cadence.steps.filter(channel=Channel.PERSONAL_EMAIL):
        StepVariant.objects.create(
            step=step,
            label="A",
            subject="Good to meet you, {{ lead.first_name }}",
            html_body="<p>Hi {{ lead.first_name|default:'there' }},</p>"
            "<p>Thanks for visiting us at {{ lead.company }}.</p>",
        )
    return cadence


EMAIL_THEN_TASK = (
    {"channel": Channel.PERSONAL_EMAIL},
    {"channel": Channel.TASK, "script": "Connect on LinkedIn", "wait": 0},
)


def lead_of(rep, **fields):
    defaults = {
        "owner": rep,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Analytical Engines",
        "phone": "+442079460000",
        "country": "GB",
        "time_zone": "Europe/London",
        "email_consent": "confirmed",
    }
    return LeadFactory(**(defaults | fields))


def enrol(cadence, lead) -> Enrolment:
    enrolment = enrolment_create(cadence=cadence, lead=lead, source="Visited the booth")
    assert enrolment is not None
    return enrolment


def current_touch(enrolment) -> Touch:
    return Touch.objects.filter(enrolment=enrolment).latest("pk")


def card_url(touch, action="") -> str:
    name = f"queue:touch_{action}" if action else "queue:touch"
    return reverse(name, args=[touch.pk])


def text_of(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def send(client, touch, *, subject="Good to meet you, Ada", body="Hi Ada,\n\nGreat to meet you."):
    return client.post(card_url(touch, "send"), {"subject": subject, "body": body})


# The queue page


def test_the_queue_page_counts_and_lists_the_reps_due_emails_and_tasks(alice, rep_alice, rep_bob):
    emails = play(*EMAIL_THEN_TASK)
    tasks = play({"channel": Channel.TASK, "script": "Send the sample"}, name="Samples")
    later = play({"channel": Channel.PERSONAL_EMAIL, "wait": 2, "wait_unit": "days"}, name="Later")
    mine = [enrol(emails, lead_of(rep_alice, first_name=name)) for name in ("Ada", "Ben")]
    task = enrol(tasks, lead_of(rep_alice, first_name="Cy"))
    enrol(later, lead_of(rep_alice, first_name="Dee"))  # not due yet
    enrol(emails, lead_of(rep_bob, first_name="Bob's"))

    response = alice.get(QUEUE)

    text = text_of(response)
    assert "Emails to send (2)" in text
    assert "Tasks (1)" in text
    for enrolment in mine:
        assert card_url(current_touch(enrolment)) in response.text
    assert card_url(current_touch(task)) in response.text
    assert "Cy Lovelace : Send the sample · Samples, step 1" in text
    assert "Dee" not in text
    assert "Bob's" not in text


def test_the_queue_page_says_when_there_is_nothing_else_to_do(alice, rep_alice):
    text = text_of(alice.get(QUEUE))

    assert "Emails to send (0) No personal emails to send." in text
    assert "Tasks (0) No tasks due." in text


# The personal email's card


def test_an_email_card_says_which_cadence_and_step_and_why_with_the_email_ready(alice, rep_alice):
    lead = lead_of(rep_alice)
    InteractionFactory(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, notes="Loved the demo")
    touch = current_touch(enrol(play(*EMAIL_THEN_TASK), lead))

    response = alice.get(card_url(touch))

    assert response.status_code == 200
    text = text_of(response)
    assert "Email Ada Lovelace" in text
    assert "Expo follow-up, step 1 (personal email)" in text
    assert touch.reason in text
    assert "Loved the demo" in text  # the lead's timeline
    assert response.context["email_form"]["subject"].value() == "Good to meet you, Ada"
    body = response.context["email_form"]["body"].value()
    assert body == "Hi Ada,\n\nThanks for visiting us at Analytical Engines."
    assert "from Alice Rep <alice@example.com>" in text
    assert f'href="{QUEUE}"' in response.text  # not now


def test_sending_the_reps_words_claims_the_step_and_sends_it_once(alice, rep_alice):
    enrolment = enrol(play(*EMAIL_THEN_TASK), lead_of(rep_alice))
    touch = current_touch(enrolment)

    response = send(alice, touch, body="Hi Ada,\n\nGreat to meet you. See https://example.com/x")
    again = send(alice, touch)  # a double click

    assert response.status_code == 302
    assert response.url == QUEUE
    assert again.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.from_email == '"Alice Rep" <alice@example.com>'
    assert message.extra_headers["Reply-To"] == "alice@example.com"
    assert "Great to meet you." in message.body
    outbox = OutboxEmail.objects.get()
    assert (outbox.sent_by, outbox.status, outbox.touch_id) == (rep_alice, "sent", touch.pk)
    assert outbox.text_body == "Hi Ada,\n\nGreat to meet you. See https://example.com/x"
    touch.refresh_from_db()
    assert (touch.status, touch.claimed_by) == (Touch.Status.DONE, rep_alice)
    following = current_touch(enrolment)
    assert (following.step.position, following.status) == (2, Touch.Status.PENDING)
    told = [str(m) for m in again.wsgi_request._messages]
    assert told[-1] == "The personal email for Ada Lovelace was sent already."


def test_an_email_without_a_subject_or_words_is_refused_with_field_errors(alice, rep_alice):
    touch = current_touch(enrol(play(*EMAIL_THEN_TASK), lead_of(rep_alice)))

    response = send(alice, touch, subject="", body="  ")

    assert response.status_code == 400
    assert set(response.context["email_form"].errors) == {"subject", "body"}
    touch.refresh_from_db()
    assert touch.status == Touch.Status.PENDING
    assert not OutboxEmail.objects.exists()


def test_an_email_to_a_lead_who_may_not_be_emailed_says_why_and_can_be_skipped(alice, rep_alice):
    enrolment = enrol(play(*EMAIL_THEN_TASK), lead_of(rep_alice, email_consent="unsubscribed"))
    touch = current_touch(enrolment)

    card = text_of(alice.get(card_url(touch)))
    refused = send(alice, touch)
    skipped = alice.post(card_url(touch, "skip"), {"reason": "Asked us by phone to stop"})

    assert "Ada Lovelace may not be emailed" in card
    assert refused.status_code == 400
    assert "may not be emailed" in text_of(refused)
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []
    assert skipped.status_code == 302
    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "Asked us by phone to stop")
    assert current_touch(enrolment).step.position == 2  # the cadence goes on


# Tasks


def test_a_task_card_shows_its_text_and_done_moves_the_cadence_on(alice, rep_alice):
    cadence = play(
        {"channel": Channel.TASK, "script": "Send the sample"},
        {"channel": Channel.PERSONAL_EMAIL},
        name="Samples",
    )
    enrolment = enrol(cadence, lead_of(rep_alice))
    task = current_touch(enrolment)

    card = text_of(alice.get(card_url(task)))
    response = alice.post(card_url(task, "done"))
    again = alice.post(card_url(task, "done"))

    assert "Task for Ada Lovelace" in card
    assert "Samples, step 1 (task)" in card
    assert "Send the sample" in card
    assert response.status_code == 302
    assert response.url == QUEUE
    task.refresh_from_db()
    assert (task.status, task.outcome) == (Touch.Status.DONE, "done")
    assert current_touch(enrolment).step.position == 2
    assert Touch.objects.filter(enrolment=enrolment).count() == 2  # the second click: nothing
    told = [str(m) for m in again.wsgi_request._messages]
    assert told[-1] == "The task for Ada Lovelace was done already."


def test_skipping_a_task_asks_why(alice, rep_alice):
    enrolment = enrol(
        play({"channel": Channel.TASK}, {"channel": Channel.TASK}), lead_of(rep_alice)
    )
    task = current_touch(enrolment)

    refused = alice.post(card_url(task, "skip"), {"reason": ""})
    skipped = alice.post(card_url(task, "skip"), {"reason": "Not on LinkedIn"})

    assert refused.status_code == 400
    assert "reason" in refused.context["skip_form"].errors
    assert skipped.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome) == (Touch.Status.SKIPPED, "Not on LinkedIn")
    assert current_touch(enrolment).step.position == 2


def test_a_rep_cannot_open_or_work_another_reps_email_or_task(alice, rep_bob):
    email = current_touch(enrol(play(*EMAIL_THEN_TASK), lead_of(rep_bob)))
    task = current_touch(enrol(play({"channel": Channel.TASK}), lead_of(rep_bob, first_name="B")))

    answers = [
        alice.get(card_url(email)).status_code,
        send(alice, email).status_code,
        alice.post(card_url(email, "skip"), {"reason": "mine now"}).status_code,
        alice.get(card_url(task)).status_code,
        alice.post(card_url(task, "done")).status_code,
        alice.post(card_url(task, "skip"), {"reason": "mine now"}).status_code,
        alice.post(card_url(task, "send"), {"subject": "x", "body": "y"}).status_code,
    ]

    assert answers == [404] * 7
    assert set(Touch.objects.values_list("status", flat=True)) == {Touch.Status.PENDING}
    assert mail.outbox == []


def test_a_call_is_not_opened_as_a_card(alice, rep_alice):
    call = current_touch(enrol(play({"channel": Channel.CALL}), lead_of(rep_alice)))

    assert alice.get(card_url(call)).status_code == 404


# The call card


def test_the_call_card_says_which_cadence_and_step_and_shows_its_script(alice, rep_alice):
    cadence = play(
        {"channel": Channel.TASK, "wait": 0},
        {"channel": Channel.CALL, "script": "Ask how the demo went.\nOffer a trial."},
        name="Booth visit",
    )
    enrolment = enrol(cadence, lead_of(rep_alice))
    alice.post(card_url(current_touch(enrolment), "done"))

    response = alice.get(QUEUE)

    text = text_of(response)
    assert "Call Ada Lovelace" in text
    assert "Cadence Booth visit, step 2" in text
    assert "Script Ask how the demo went. Offer a trial." in text


def test_a_cadence_call_is_claimed_with_its_step_and_cadence(rep_alice, django_assert_num_queries):
    enrolment = enrol(
        play({"channel": Channel.CALL, "script": "Ask"}, name="Calls"), lead_of(rep_alice)
    )
    holidays_near(NOW), calling_hours()  # read once a minute, not per claim

    # One statement on PostgreSQL; SQLite reads the card after its UPDATE.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        claimed = call_claim_next(user=rep_alice)
        card = (claimed.lead.first_name, claimed.step.position, claimed.step.cadence.name)

    assert claimed.enrolment_id == enrolment.pk
    assert card == ("Ada", 1, "Calls")


def test_a_logged_call_brings_its_cadences_next_email_into_the_queue(alice, rep_alice):
    cadence = play({"channel": Channel.CALL}, {"channel": Channel.PERSONAL_EMAIL})
    OutcomePolicy.objects.create(cadence=cadence, outcome="no_answer", action="next")
    enrolment = enrol(cadence, lead_of(rep_alice))
    call = current_touch(enrolment)
    alice.get(QUEUE)

    response = alice.post(reverse("queue:log", args=[call.pk]), {"outcome": "no_answer"}, **HTMX)

    assert response.status_code == 200
    oob = re.search(r'<section id="rep-work"[^>]*hx-swap-oob="true"', response.text)
    assert oob, response.text
    assert "Emails to send (1)" in text_of(response)
    assert card_url(current_touch(enrolment)) in response.text


def test_the_queue_card_enrols_its_lead_in_a_cadence(alice, rep_alice):
    lead = lead_of(rep_alice)
    call = play({"channel": Channel.CALL}, name="Calls")
    enrol(call, lead)
    nurture = play({"channel": Channel.TASK}, name="Nurture")
    nurture.is_active = False
    nurture.save()

    card = alice.get(QUEUE)
    choices = [label for _, label in card.context["enrol_form"].fields["cadence"].choices]
    response = alice.post(
        reverse("enrolments:create", args=[lead.pk]), {"cadence": nurture.pk, "next": QUEUE}
    )

    assert "Nurture (switched off)" in choices
    assert "Calls" not in choices  # in it already
    assert response.status_code == 302
    assert response.url == QUEUE
    enrolment = Enrolment.objects.get(cadence=nurture)
    assert (enrolment.lead, enrolment.enrolled_by) == (lead, rep_alice)
    assert enrolment.source == "Enrolled by hand by Alice Rep"


# Query counts


@pytest.mark.parametrize("count", [2, 20])
def test_the_queue_page_costs_a_fixed_number_of_queries(
    alice, rep_alice, count, django_assert_max_num_queries
):
    calls = play({"channel": Channel.CALL, "script": "Ask"}, name="Calls")
    emails = play(*EMAIL_THEN_TASK)
    tasks = play({"channel": Channel.TASK}, name="Tasks")
    for n in range(count):
        lead = lead_of(rep_alice, phone=f"+4420794600{n:02d}", email=f"p{n}@example.org")
        InteractionFactory.create_batch(2, lead=lead)
        for cadence in (calls, emails, tasks):
            enrol(cadence, lead)

    # 13, and the calling hours (kept a minute)
    with django_assert_max_num_queries(14):
        response = alice.get(QUEUE)

    assert text_of(response).count(f"({count})") == 2


def test_a_card_costs_a_fixed_number_of_queries(alice, rep_alice, django_assert_max_num_queries):
    lead = lead_of(rep_alice)
    InteractionFactory.create_batch(10, lead=lead)
    touch = current_touch(enrol(play(*EMAIL_THEN_TASK), lead))

    # session, user, touch, permissions x 2, variants, suppression, timeline,
    # cadences to enrol in, groups; the calling hours and holidays near now for
    # the warning outside calling hours (kept a minute)
    with django_assert_max_num_queries(14):
        response = alice.get(card_url(touch))

    assert response.status_code == 200
