import datetime as dt
import re

import pytest

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.cadences.services import enrolment_create, enrolments_exit
from followups.models import Channel, Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.addresses import email_digest
from mailings.models import OutboxEmail, Suppression
from mailings.sending import SENDING_LEASE, emails_send
from mailings.steps import outboxes_for
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence
from tests.workers import another_live_worker

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def cadence(db):
    return email_cadence(0, 24, name="Expo follow-up", slug="expo")


def enrol(cadence, **lead_fields) -> Lead:
    lead = ConsentingLeadFactory(first_name="Ada", **lead_fields)
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return lead


def the_touch(lead, position: int = 1) -> Touch:
    return Touch.objects.get(lead=lead, channel=Channel.EMAIL, step__position=position)


def claim(*touches: Touch) -> list[int]:
    """What the scheduler does before it queues the job: the touches claimed."""
    ids = [touch.pk for touch in touches]
    Touch.objects.filter(pk__in=ids).update(status=Touch.Status.CLAIMED, claimed_at=NOW)
    return ids


def test_a_batch_goes_out_over_one_connection_with_each_email_once(cadence, smtp):
    leads = [enrol(cadence, email=f"person{n}@example.org") for n in range(5)]

    scheduler_pass()
    scheduler_pass()

    assert smtp.connections == 1
    received = sorted(message["To"] for message in smtp.messages)
    assert received == sorted(lead.email for lead in leads)
    assert OutboxEmail.objects.filter(status="sent").count() == 5
    assert Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count() == 5


def test_every_marketing_email_carries_the_unsubscribe_headers_and_footer(cadence, smtp, settings):
    lead = enrol(cadence)

    scheduler_pass()

    message = smtp.to(lead.email)[0]
    outbox = OutboxEmail.objects.get(lead=lead, status="sent")
    one_click = re.fullmatch(
        r"<(https://crm\.example\.com/m/unsubscribe/[^>]+/)>, "
        r"<mailto:unsubscribe@example\.com\?subject=unsubscribe%20[^>]+>",
        " ".join(message["List-Unsubscribe"].split()),  # unfolded
    )
    assert one_click, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == '"Expo follow-up" <expo.crm.example.com>'
    assert message["Message-ID"] == outbox.message_id
    assert message["Reply-To"] is None  # a marketing email: replies go to the shared inbox
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for part in (html, text):
        assert one_click.group(1) in part
        assert settings.MAIL_POSTAL_ADDRESS in part


def test_the_text_part_is_made_from_the_html_and_merge_fields_are_escaped(cadence, smtp):
    lead = enrol(cadence, company="<b>Acme</b> & Co")

    scheduler_pass()

    message = smtp.to(lead.email)[0]
    assert message["Subject"] == "Step 1 for Ada"
    html = message.get_body(("html",)).get_content()
    assert "from &lt;b&gt;Acme&lt;/b&gt; &amp; Co." in html
    assert "Hi Ada, from <b>Acme</b> & Co." in message.get_body(("plain",)).get_content()


def test_a_cadence_email_can_greet_the_lead_by_name_prefix_and_last_name(cadence, smtp):
    cadence.steps.get(position=1).variants.update(
        subject="For {{ lead.formal_name }}",
        html_body="<p>Dear {% if lead.name_prefix %}{{ lead.name_prefix }} {{ lead.last_name }}"
        "{% else %}{{ lead.first_name }}{% endif %},</p>",
    )
    doctor = enrol(cadence, name_prefix="Dr.", last_name="Schmidt", name_suffix="PhD")
    plain = enrol(cadence, name_prefix="", last_name="Lovelace", name_suffix="")

    scheduler_pass()

    to_doctor = smtp.to(doctor.email)[0]
    assert to_doctor["Subject"] == "For Dr. Ada Schmidt, PhD"
    assert "Dear Dr. Schmidt," in to_doctor.get_body(("plain",)).get_content()
    assert "Dear Ada," in smtp.to(plain.email)[0].get_body(("plain",)).get_content()


def test_links_are_tracked_but_the_unsubscribe_link_is_not(cadence, smtp):
    cadence.steps.get(position=1).variants.update(
        html_body='<p><a href="https://example.com/pricing?plan=pro&amp;ref=mail">Pricing</a></p>'
    )
    lead = enrol(cadence)

    scheduler_pass()

    html = smtp.to(lead.email)[0].get_body(("html",)).get_content()
    assert "https://example.com/pricing" not in html
    assert 'href="https://crm.example.com/m/c/' in html
    assert 'href="https://crm.example.com/m/unsubscribe/' in html
    text = smtp.to(lead.email)[0].get_body(("plain",)).get_content()
    assert "Pricing (https://example.com/pricing?plan=pro&ref=mail)" in text


@pytest.mark.parametrize(
    "zone, opens_utc, local",
    [
        ("Asia/Tokyo", dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
        ("Australia/Sydney", dt.datetime(2026, 3, 10, 21, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
        ("America/Los_Angeles", NOW, None),  # 08:00 there: open
        ("Europe/Berlin", NOW, None),  # 16:00
        ("Europe/London", dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC), "Wed 11 Mar 08:00"),
    ],
)
def test_emails_wait_for_the_send_window_in_the_leads_time_zone(
    cadence, smtp, clock, zone, opens_utc, local
):
    clock.move_to(
        dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC) if zone == "Europe/London" else NOW
    )
    lead = enrol(cadence, time_zone=zone)

    scheduler_pass()

    touch = the_touch(lead)
    if local is None:
        assert touch.status == Touch.Status.DONE
        return
    assert (touch.status, touch.due_at) == (Touch.Status.PENDING, opens_utc)
    assert touch.held_reason == f"Held: outside the lead's send window; goes out {local} ({zone})"
    assert not smtp.messages
    clock.move_to(opens_utc)
    scheduler_pass()
    assert len(smtp.to(lead.email)) == 1


def test_the_send_window_follows_a_daylight_saving_change(cadence, smtp, clock):
    clock.move_to(dt.datetime(2026, 3, 7, 20, 0, tzinfo=dt.UTC))  # Saturday, EST
    lead = enrol(cadence, time_zone="America/New_York")

    scheduler_pass()

    # Clocks went forward on Sunday 8 March: Monday 08:00 is 12:00 UTC, not 13:00.
    assert the_touch(lead).due_at == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_the_frequency_cap_counts_emails_and_letters_together(cadence, smtp, settings):
    lead = enrol(cadence)
    for days_ago, channel in ((6, Channel.EMAIL), (3, Channel.LETTER), (1, Channel.EMAIL)):
        TouchFactory(
            lead=lead,
            channel=channel,
            status=Touch.Status.DONE,
            completed_at=NOW - dt.timedelta(days=days_ago),
            due_at=NOW,
        )

    scheduler_pass()

    touch = the_touch(lead)
    eligible = NOW + dt.timedelta(days=1)  # the oldest of the three leaves the 7 days
    assert (touch.status, touch.due_at) == (Touch.Status.PENDING, eligible)
    assert touch.held_reason == (
        "Held: 3 marketing touches in 7 days; goes out Wed 11 Mar 11:00 (America/New_York)"
    )
    assert not smtp.messages


def test_the_cap_also_counts_the_emails_of_the_same_batch(db, smtp, settings):
    settings.MAIL_CAP_TOUCHES = 1
    first, second = email_cadence(0, slug="one"), email_cadence(0, slug="two")
    lead = enrol(first)
    enrolment_create(cadence=second, lead=lead, source="test")

    scheduler_pass()

    assert len(smtp.to(lead.email)) == 1
    assert Touch.objects.filter(lead=lead, status=Touch.Status.PENDING).count() == 1


@pytest.mark.parametrize(
    "consent, stage, soft_opt_in, sent, reason",
    [
        ("confirmed", "new", False, True, ""),
        ("none", "new", False, False, "No email consent"),
        ("pending", "new", False, False, "Email consent not confirmed yet (double opt-in pending)"),
        ("none", "customer", True, True, ""),
        ("none", "customer", False, False, "No email consent"),
        ("unsubscribed", "customer", True, False, "Unsubscribed"),
    ],
)
def test_marketing_email_needs_confirmed_consent_or_the_soft_opt_in(
    cadence, smtp, settings, consent, stage, soft_opt_in, sent, reason
):
    settings.MAIL_SOFT_OPT_IN = soft_opt_in
    lead = enrol(cadence, email_consent=consent, stage=stage)

    scheduler_pass()

    assert bool(smtp.messages) is sent
    # Sent or not, the cadence goes on to its next email.
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.status, enrolment.step.position) == ("active", 2)
    assert the_touch(lead, 2).status == Touch.Status.PENDING
    if not sent:
        touch = the_touch(lead)
        assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, reason[:100])
        assert OutboxEmail.objects.get(touch=touch).status == "cancelled"


def test_a_suppressed_address_is_never_mailed(cadence, smtp):
    lead = enrol(cadence)
    Suppression.objects.create(email_digest=email_digest(lead.email.upper()), reason="bounced")

    scheduler_pass()

    assert not smtp.messages
    assert the_touch(lead).outcome == "The address is on the suppression list"


def test_a_temporary_failure_is_retried_with_backoff_and_sent_once(cadence, smtp, clock):
    lead = enrol(cadence)
    smtp.refuse[lead.email] = "451 4.3.0 Mailbox temporarily unavailable"

    scheduler_pass()

    touch, outbox = the_touch(lead), OutboxEmail.objects.get(lead=lead, step__position=1)
    assert (touch.status, touch.due_at) == (Touch.Status.PENDING, NOW + dt.timedelta(minutes=2))
    assert touch.held_reason.startswith("Retrying after a temporary failure")
    assert (outbox.status, outbox.attempts) == ("pending", 1)

    clock.shift(dt.timedelta(minutes=2))
    scheduler_pass()
    assert OutboxEmail.objects.get(pk=outbox.pk).attempts == 2
    assert the_touch(lead).due_at == NOW + dt.timedelta(minutes=2 + 4)

    del smtp.refuse[lead.email]
    clock.shift(dt.timedelta(minutes=4))
    scheduler_pass()
    assert len(smtp.to(lead.email)) == 1
    assert OutboxEmail.objects.get(pk=outbox.pk).status == "sent"
    assert OutboxEmail.objects.filter(lead=lead).count() == 1  # one row through every try


def test_a_permanent_failure_bounces_the_address_and_the_rest_of_the_batch_goes(
    cadence, smtp, clock
):
    bad, good = enrol(cadence, email="gone@example.org"), enrol(cadence, email="here@example.org")
    smtp.refuse[bad.email] = "550 5.1.1 No such user"
    clock.shift(dt.timedelta(minutes=1))

    scheduler_pass()

    assert [message["To"] for message in smtp.messages] == [good.email]
    outbox = OutboxEmail.objects.get(lead=bad, step__position=1)
    assert outbox.status == "failed" and "550" in outbox.last_error
    assert Suppression.objects.get(email_digest=email_digest(bad.email)).reason == "bounced"
    assert Interaction.objects.filter(lead=bad, kind=Interaction.Kind.EMAIL_BOUNCED).exists()
    # The cadence ends on a bounce (by default): its next email is taken back.
    enrolment = Enrolment.objects.get(lead=bad)
    assert (enrolment.status, enrolment.exit_reason) == ("exited", "An email to them bounces")
    assert the_touch(bad, 2).status == Touch.Status.CANCELLED
    assert Enrolment.objects.get(lead=good).status == "active"


def test_a_broken_template_fails_that_email_only(db, smtp):
    broken = email_cadence(0, slug="broken")
    broken.steps.get().variants.update(html_body="{% if %}")
    fine = email_cadence(0, slug="fine")
    lead = enrol(broken)
    enrolment_create(cadence=fine, lead=lead, source="test")

    scheduler_pass()

    assert len(smtp.messages) == 1
    failed = OutboxEmail.objects.get(enrolment__cadence=broken)
    assert failed.status == "failed"
    assert failed.last_error.startswith("The step's template does not render")
    assert failed.touch.status == Touch.Status.SKIPPED
    assert Enrolment.objects.get(cadence=broken).status == "finished"  # it went on, to its end


def test_an_email_of_a_cadence_ended_after_it_was_queued_is_not_sent(cadence, smtp, clock):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))
    clock.shift(dt.timedelta(minutes=1))
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")

    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.CANCELLED, "Reply to an email")
    assert Enrolment.objects.get(lead=lead).status == "exited"
    assert not Touch.objects.filter(lead=lead, step__position=2).exists()


def test_an_email_left_sending_by_a_dead_worker_is_checked_again_before_it_goes(
    cadence, smtp, clock
):
    lead = enrol(cadence)
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])  # the dead worker had made its outbox row
    OutboxEmail.objects.filter(touch=touch).update(
        status="sending", sending_at=NOW - SENDING_LEASE - dt.timedelta(seconds=1)
    )
    clock.shift(dt.timedelta(minutes=1))
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")

    emails_send(touch_ids=[touch.pk])

    assert not smtp.messages
    outbox = OutboxEmail.objects.get(touch=touch)
    assert (outbox.status, outbox.last_error) == ("cancelled", "Reply to an email")
    assert Touch.objects.get(pk=touch.pk).outcome == "Reply to an email"


def test_an_email_being_sent_when_its_cadence_ends_is_left_to_its_worker(cadence, smtp, clock):
    lead = enrol(cadence)
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(status="sending", sending_at=NOW)
    clock.shift(dt.timedelta(minutes=1))

    enrolments_exit(lead=lead, reason="Removed by hand")

    # Within its lease the worker may be handing it to the server right now: only
    # the server's answer says whether it went.
    assert OutboxEmail.objects.get(touch=touch).status == "sending"
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.CANCELLED


DEAD_WORKER = 424_242  # a worker token (config.liveness) no connection holds


def left_sending(lead, *, by: int) -> Touch:
    """The lead's email touch claimed, its email marked `sending` now by worker `by`."""
    touch = the_touch(lead)
    claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(
        status="sending", sending_at=NOW, worker_token=by, message_id="<first@crm.example.com>"
    )
    return touch


def test_an_email_a_dead_worker_left_sending_goes_at_once_with_its_message_id(
    postgres, cadence, smtp
):
    lead = enrol(cadence)
    touch = left_sending(lead, by=DEAD_WORKER)

    emails_send(touch_ids=[touch.pk])  # the same minute: no lease to wait out

    assert [message["Message-ID"] for message in smtp.to(lead.email)] == ["<first@crm.example.com>"]
    assert OutboxEmail.objects.get(touch=touch).status == "sent"


def test_an_email_a_live_worker_is_sending_is_left_to_it_past_any_lease(
    postgres, cadence, smtp, clock
):
    lead = enrol(cadence)
    with another_live_worker() as token:
        touch = left_sending(lead, by=token)
        clock.shift(SENDING_LEASE * 2)

        report = emails_send(touch_ids=[touch.pk])

        assert (report["in another worker's hands"], smtp.messages) == (1, [])
    emails_send(touch_ids=[touch.pk])  # that worker is gone now
    assert len(smtp.to(lead.email)) == 1


def test_when_a_cadence_ends_a_dead_workers_email_is_cancelled_and_a_live_ones_left(
    postgres, cadence, smtp, clock
):
    dead_workers, live_workers = enrol(cadence), enrol(cadence)
    with another_live_worker() as token:
        left_sending(dead_workers, by=DEAD_WORKER)
        left_sending(live_workers, by=token)

        for lead in (dead_workers, live_workers):
            enrolments_exit(lead=lead, reason="Removed by hand")

        statuses = dict(OutboxEmail.objects.values_list("lead", "status"))
    assert statuses == {dead_workers.pk: "cancelled", live_workers.pk: "sending"}


# Cadences


def test_a_sent_email_moves_its_cadence_to_the_next_step_once_when_sending_runs_again(
    cadence, smtp
):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))

    emails_send(touch_ids=touch_ids)
    emails_send(touch_ids=touch_ids)  # the job run twice

    assert len(smtp.to(lead.email)) == 1
    assert the_touch(lead).status == Touch.Status.DONE
    second = Touch.objects.get(lead=lead, step__position=2)  # planned once
    assert (second.status, second.due_at) == (Touch.Status.PENDING, NOW + dt.timedelta(hours=24))
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.step_id, enrolment.attempt) == (second.step_id, 1)
    assert Interaction.objects.filter(lead=lead, kind=Interaction.Kind.EMAIL_SENT).count() == 1


def test_an_email_marked_sent_by_a_worker_that_died_is_finished_once_and_not_sent_again(
    cadence, smtp
):
    lead = enrol(cadence)
    touch = the_touch(lead)
    touch_ids = claim(touch)
    outboxes_for([touch])
    OutboxEmail.objects.filter(touch=touch).update(status="sent", sent_at=NOW)

    emails_send(touch_ids=touch_ids)
    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    assert Touch.objects.filter(lead=lead, step__position=2).count() == 1
    assert Interaction.objects.filter(lead=lead, kind=Interaction.Kind.EMAIL_SENT).count() == 1


def test_the_last_email_sent_finishes_the_cadence(db, smtp, clock):
    cadence = email_cadence(0, slug="once")
    lead = enrol(cadence)

    scheduler_pass()

    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.status, enrolment.exit_reason) == ("finished", "Went through every step")


def test_a_touch_whose_enrolment_was_exited_is_not_sent(cadence, smtp, clock):
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))

    enrolments_exit(lead=lead, reason="Removed by Maria Manager")
    emails_send(touch_ids=touch_ids)
    clock.shift(dt.timedelta(days=2))
    scheduler_pass()

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.CANCELLED, "Removed by Maria Manager")
    assert not OutboxEmail.objects.filter(lead=lead).exists()


def test_a_claimed_touch_of_an_enrolment_that_ended_meanwhile_is_dropped_with_the_reason(
    cadence, smtp
):
    """The enrolment ended between the claim and the send, without its touch being
    taken back (a race): the worker checks the enrolment itself."""
    lead = enrol(cadence)
    touch_ids = claim(the_touch(lead))
    Enrolment.objects.filter(lead=lead).update(status="exited", exit_reason="Unsubscribe")

    emails_send(touch_ids=touch_ids)

    assert not smtp.messages
    touch = the_touch(lead)
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "Cadence ended: Unsubscribe")
    assert OutboxEmail.objects.get(touch=touch).status == "cancelled"


def test_an_email_touch_planned_outside_any_cadence_is_skipped_saying_so(db, smtp):
    lead = ConsentingLeadFactory()
    touch = TouchFactory(lead=lead, channel=Channel.EMAIL, due_at=NOW)

    scheduler_pass()

    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (
        Touch.Status.SKIPPED,
        "Planned outside any cadence: no email written for it",
    )
    assert not smtp.messages and not OutboxEmail.objects.exists()


def test_an_email_step_with_no_email_written_is_skipped_and_the_cadence_goes_on(db, smtp):
    cadence = email_cadence(0, 0, slug="half-written")
    cadence.steps.get(position=1).variants.all().delete()
    lead = enrol(cadence)

    scheduler_pass()
    scheduler_pass()

    assert (the_touch(lead).status, the_touch(lead).outcome) == (
        Touch.Status.SKIPPED,
        "The step has no email written",
    )
    assert [message["Subject"] for message in smtp.to(lead.email)] == ["Step 2 for Ada"]


def test_each_variant_goes_to_the_same_lead_every_time_and_the_leads_split(db, smtp):
    cadence = email_cadence(0, slug="ab")
    step = cadence.steps.get()
    StepVariantFactory(step=step, label="B", subject="B for {{ lead.first_name }}")
    leads = [enrol(cadence, email=f"person{n}@example.org") for n in range(40)]

    scheduler_pass()

    sent = dict(OutboxEmail.objects.values_list("lead_id", "variant__label"))
    assert set(sent.values()) == {"A", "B"}
    for lead in leads:
        subject = smtp.to(lead.email)[0]["Subject"]
        assert subject == ("Step 1 for Ada" if sent[lead.pk] == "A" else "B for Ada")


# Personal emails: a rep's words, sent as the rep


def personal_touch(lead) -> Touch:
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL}, {"channel": Channel.TASK, "wait": 24}, slug="intro"
    )
    StepVariantFactory(step=cadence.steps.get(position=1), subject="Hello {{ lead.first_name }}")
    enrolment_create(cadence=cadence, lead=lead, source="test")
    return Touch.objects.get(lead=lead, channel=Channel.PERSONAL_EMAIL)


def rep_sends(touch: Touch, rep, *, subject: str, text: str) -> list[int]:
    """What the rep's Send does: the email as written, and the touch claimed by them."""
    step = touch.step
    OutboxEmail.objects.create(
        touch=touch,
        enrolment=touch.enrolment,
        step=step,
        variant=step.variants.first(),
        lead=touch.lead,
        sent_by=rep,
        subject=subject,
        html_body=f"<p>{text}</p>",
        text_body=text,
    )
    Touch.objects.filter(pk=touch.pk).update(
        status=Touch.Status.CLAIMED, claimed_by=rep, claimed_at=NOW
    )
    return [touch.pk]


def test_a_personal_email_goes_from_its_rep_and_replies_go_to_the_rep(smtp, rep_alice):
    lead = ConsentingLeadFactory(first_name="Ada", email="ada@example.org")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Our chat", text="Ada, as promised."))

    (message,) = smtp.to("ada@example.org")
    assert message["From"] == "Alice Rep <alice@example.com>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["Subject"] == "Our chat"
    assert "Ada, as promised." in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe"]  # still a way out, as in every email
    outbox = OutboxEmail.objects.get(touch=touch)
    assert (outbox.status, outbox.to_email, outbox.subject) == (
        "sent",
        "ada@example.org",
        "Our chat",
    )
    sent = Interaction.objects.get(lead=lead, kind=Interaction.Kind.EMAIL_SENT)
    assert sent.data["personal"] is True
    # Done, and the cadence goes on to its next step.
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.DONE
    assert Touch.objects.get(lead=lead, channel=Channel.TASK).status == Touch.Status.PENDING


def test_a_personal_email_is_sent_at_once_outside_the_send_window(smtp, rep_alice, clock):
    clock.move_to(dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC))  # 23:00 in New York
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Tonight", text="As discussed."))

    assert len(smtp.to("ada@example.org")) == 1


def test_a_personal_email_to_a_lead_who_unsubscribed_is_not_sent(smtp, rep_alice):
    lead = ConsentingLeadFactory(email="ada@example.org", email_consent="unsubscribed")
    touch = personal_touch(lead)

    emails_send(touch_ids=rep_sends(touch, rep_alice, subject="Hi", text="Hello"))

    assert not smtp.messages
    touch.refresh_from_db()
    assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, "Unsubscribed")


def test_the_scheduler_never_sends_a_due_personal_email_by_itself(db, smtp, clock):
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)
    clock.shift(dt.timedelta(days=1))

    scheduler_pass()

    assert not smtp.messages
    assert Touch.objects.get(pk=touch.pk).status == Touch.Status.PENDING


def test_a_claimed_personal_email_the_rep_has_not_written_goes_back_to_the_rep(db, smtp):
    """Only the rep's Send writes a personal email: a claim without one (its job
    lost, or claimed some other way) is never filled in from the step's words
    and sent automatically; the touch goes back to the rep's queue."""
    lead = ConsentingLeadFactory(email="ada@example.org")
    touch = personal_touch(lead)
    Touch.objects.filter(pk=touch.pk).update(status=Touch.Status.CLAIMED, claimed_at=NOW)

    emails_send(touch_ids=[touch.pk])

    assert not smtp.messages and not OutboxEmail.objects.exists()
    touch.refresh_from_db()
    assert (touch.status, touch.claimed_at) == (Touch.Status.PENDING, None)
    assert touch.held_reason == "Waiting for its rep to write and send it"
