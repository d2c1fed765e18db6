"""A cadence's personal email, sent by a rep from the queue: their words, from
them, replies to them, exactly once; through a real SMTP server."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from config import jobs
from crm.models import Interaction
from followups.cadences.models import Channel, Enrolment
from followups.cadences.services import enrolment_create, enrolments_pause
from followups.models import Touch
from followups.scheduler import DELIVERY_LEASE, scheduler_pass
from mailings.email import personal
from mailings.email.personal import html_of, personal_email_draft, personal_email_send
from mailings.email.steps import personal_email_check
from mailings.models import OutboxEmail, StepVariant
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def lead(rep_alice):
    return LeadFactory(
        owner=rep_alice, first_name="Ada", email="ada@example.org", email_consent="confirmed"
    )


@pytest.fixture
def touch(lead) -> Touch:
    """A due personal email step (variants A and B), then a task."""
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL}, {"channel": Channel.TASK}, name="Expo follow-up"
    )
    step = cadence.steps.get(position=1)
    for label in "AB":
        StepVariant.objects.create(
            step=step,
            label=label,
            subject=f"{label}: Good to meet you, {{{{ lead.first_name }}}}",
            html_body="<p>Hi {{ lead.first_name }},</p><p>Thanks from {{ rep.first_name }}.</p>",
        )
    enrolment = enrolment_create(cadence=cadence, lead=lead, source="Visited the booth")
    return Touch.objects.get(enrolment=enrolment, step=step)


def send(touch, rep, **words):
    words = {"subject": "Good to meet you", "body": "Hi Ada,\n\nIt was good to meet you."} | words
    return personal_email_send(touch=touch, rep=rep, **words)


def test_the_draft_is_the_leads_variant_in_plain_words(touch, lead):
    draft = personal_email_draft(touch)

    variant = StepVariant.objects.get(step=touch.step, label=draft.subject[0])
    assert draft.subject == f"{variant.label}: Good to meet you, Ada"
    assert draft.body == "Hi Ada,\n\nThanks from Alice."
    assert draft.refusal == ""


def test_a_step_whose_template_does_not_render_leaves_the_rep_a_blank_email(touch):
    StepVariant.objects.filter(step=touch.step).update(html_body="{% if %}")

    draft = personal_email_draft(touch)

    assert (draft.subject, draft.body) == ("", "")


def test_the_email_arrives_from_the_rep_and_replies_go_to_the_rep(smtp, touch, rep_alice):
    send(touch, rep_alice)

    [message] = smtp.messages
    assert message["From"] == "Alice Rep <alice@example.com>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Good to meet you"
    assert message["List-Id"] == f'"Expo follow-up" <{touch.step.cadence.slug}.crm.example.com>'
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hi Ada,\n\nIt was good to meet you.\n")


def test_the_reps_words_go_as_written_with_links_and_the_footer(smtp, touch, rep_alice, settings):
    body = "Hi Ada,\nsee https://example.com/pricing <b>today</b>\n\nAlice"

    outbox = send(touch, rep_alice, body=body)

    html = smtp.messages[0].get_body(("html",)).get_content()
    assert "&lt;b&gt;today&lt;/b&gt;" in html  # the rep's words, never markup
    assert "<br>" in html
    assert "https://crm.example.com/m/c/" in html  # the link, tracked
    assert settings.MAIL_POSTAL_ADDRESS in html
    assert "/m/unsubscribe/" in html
    outbox.refresh_from_db()
    assert (outbox.text_body, outbox.html_body) == (body, html_of(body))
    assert outbox.variant is not None  # what the rep started from


def test_sending_is_recorded_and_the_cadence_goes_on(smtp, touch, rep_alice):
    send(touch, rep_alice)

    touch.refresh_from_db()
    assert (touch.status, touch.claimed_by, touch.outcome) == ("done", rep_alice, "sent")
    outbox = OutboxEmail.objects.get(touch=touch)
    assert (outbox.status, outbox.sent_by, outbox.to_email) == (
        "sent",
        rep_alice,
        "ada@example.org",
    )
    sent = Interaction.objects.get(kind=Interaction.Kind.EMAIL_SENT)
    assert sent.data["personal"] is True
    following = Touch.objects.filter(enrolment=touch.enrolment).latest("pk")
    assert (following.channel, following.status) == (Channel.TASK, "pending")


def test_a_second_send_sends_nothing(smtp, touch, rep_alice):
    send(touch, rep_alice)

    with pytest.raises(ValidationError, match="sent already"):
        send(touch, rep_alice, subject="Again")

    assert len(smtp.messages) == 1
    assert OutboxEmail.objects.get().subject == "Good to meet you"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_click_while_the_first_is_sending_sends_nothing(
    postgres, smtp, touch, rep_alice, monkeypatch
):
    first_holds_the_claim, second_answered = threading.Event(), threading.Event()

    def check_while_the_second_clicks(lead):
        if threading.current_thread().name == "first":
            first_holds_the_claim.set()
            results["second answered meanwhile"] = second_answered.wait(timeout=5)
        return personal_email_check(lead)

    results = {}
    monkeypatch.setattr(personal, "personal_email_check", check_while_the_second_clicks)

    def click(name, subject):
        try:
            if name == "second":
                first_holds_the_claim.wait(timeout=10)
            results[name] = send(touch, rep_alice, subject=subject)
        except ValidationError as refused:
            results[name] = refused
        finally:
            if name == "second":
                second_answered.set()
            connection.close()

    threads = [threading.Thread(target=click, name=n, args=(n, n)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["first"], OutboxEmail), results
    assert results["second answered meanwhile"] is True  # it did not wait for the row
    assert results["second"].messages == ["This email is being sent already."]
    # Nor held the row's lock: the first's delivery job found it free and sent at
    # once, not a lease later.
    assert [message["Subject"] for message in smtp.messages] == ["first"]
    assert OutboxEmail.objects.get().status == "sent"


def test_a_lead_who_may_not_be_emailed_gets_nothing_and_the_step_waits(
    smtp, touch, lead, rep_alice
):
    type(lead).objects.filter(pk=lead.pk).update(email_consent="unsubscribed")

    with pytest.raises(ValidationError, match=r"may not be emailed.*Skip the step instead"):
        send(touch, rep_alice)

    assert smtp.messages == []
    assert not OutboxEmail.objects.exists()
    touch.refresh_from_db()
    assert (touch.status, touch.claimed_by) == ("pending", None)


def test_a_paused_cadences_email_is_not_sent(smtp, touch, rep_alice):
    enrolments_pause(enrolments=Enrolment.objects.filter(pk=touch.enrolment_id), by=rep_alice)

    with pytest.raises(ValidationError):
        send(touch, rep_alice)

    assert smtp.messages == []


def test_another_reps_email_is_not_theirs_to_send(smtp, touch, rep_bob):
    with pytest.raises(ValidationError, match="another rep"):
        send(touch, rep_bob)

    assert smtp.messages == []
    touch.refresh_from_db()
    assert touch.status == "pending"


def test_a_send_whose_job_was_lost_goes_once_after_the_lease(
    smtp, touch, rep_alice, clock, monkeypatch
):
    monkeypatch.setattr(jobs, "_callable", lambda func: lambda *args: None)  # Redis flushed
    send(touch, rep_alice)
    monkeypatch.undo()
    assert smtp.messages == []

    scheduler_pass()  # the claim is the rep's job's until the lease runs out
    clock.shift(DELIVERY_LEASE + dt.timedelta(minutes=1))
    scheduler_pass()
    scheduler_pass()

    assert len(smtp.messages) == 1
    assert smtp.messages[0]["From"] == "Alice Rep <alice@example.com>"


def test_a_due_personal_email_is_never_sent_by_the_scheduler_alone(smtp, touch, clock):
    clock.shift(DELIVERY_LEASE * 3)

    scheduler_pass()

    assert smtp.messages == []
    touch.refresh_from_db()
    assert touch.status == "pending"
