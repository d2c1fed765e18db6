import datetime as dt
import re

import pytest
from mailings.drips import enrolment_create

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.models import Channel, Touch
from followups.scheduler import scheduler_pass
from mailings.addresses import email_digest
from mailings.models import Enrolment, OutboxEmail, Suppression
from mailings.sending import SENDING_LEASE, emails_send
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, drip_with_steps

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def drip(db):
    return drip_with_steps(0, 24, name="Expo follow-up", slug="expo")


def enrol(drip, **lead_fields) -> Lead:
    lead = ConsentingLeadFactory(first_name="Ada", **lead_fields)
    enrolment_create(drip=drip, lead=lead, source="test")
    return lead


def the_touch(lead) -> Touch:
    return Touch.objects.get(lead=lead, channel=Channel.EMAIL, email__step__position=1)


def test_a_batch_goes_out_over_one_connection_with_each_email_once(drip, smtp):
    leads = [enrol(drip, email=f"person{n}@example.org") for n in range(5)]

    scheduler_pass()
    scheduler_pass()

    assert smtp.connections == 1
    received = sorted(message["To"] for message in smtp.messages)
    assert received == sorted(lead.email for lead in leads)
    assert OutboxEmail.objects.filter(status="sent").count() == 5
    assert Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count() == 5


def test_every_marketing_email_carries_the_unsubscribe_headers_and_footer(drip, smtp, settings):
    lead = enrol(drip)

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
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for part in (html, text):
        assert one_click.group(1) in part
        assert settings.MAIL_POSTAL_ADDRESS in part


def test_the_text_part_is_made_from_the_html_and_merge_fields_are_escaped(drip, smtp):
    lead = enrol(drip, company="<b>Acme</b> & Co")

    scheduler_pass()

    message = smtp.to(lead.email)[0]
    assert message["Subject"] == "Step 1 for Ada"
    html = message.get_body(("html",)).get_content()
    assert "from &lt;b&gt;Acme&lt;/b&gt; &amp; Co." in html
    assert "Hi Ada, from <b>Acme</b> & Co." in message.get_body(("plain",)).get_content()


def test_a_drip_email_can_greet_the_lead_by_name_prefix_and_last_name(drip, smtp):
    drip.steps.get(position=1).variants.update(
        subject="For {{ lead.formal_name }}",
        html_body="<p>Dear {% if lead.name_prefix %}{{ lead.name_prefix }} {{ lead.last_name }}"
        "{% else %}{{ lead.first_name }}{% endif %},</p>",
    )
    doctor = enrol(drip, name_prefix="Dr.", last_name="Schmidt", name_suffix="PhD")
    plain = enrol(drip, name_prefix="", last_name="Lovelace", name_suffix="")

    scheduler_pass()

    to_doctor = smtp.to(doctor.email)[0]
    assert to_doctor["Subject"] == "For Dr. Ada Schmidt, PhD"
    assert "Dear Dr. Schmidt," in to_doctor.get_body(("plain",)).get_content()
    assert "Dear Ada," in smtp.to(plain.email)[0].get_body(("plain",)).get_content()


def test_links_are_tracked_but_the_unsubscribe_link_is_not(drip, smtp):
    drip.steps.get(position=1).variants.update(
        html_body='<p><a href="https://example.com/pricing?plan=pro&amp;ref=mail">Pricing</a></p>'
    )
    lead = enrol(drip)

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
    drip, smtp, clock, zone, opens_utc, local
):
    clock.move_to(
        dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC) if zone == "Europe/London" else NOW
    )
    lead = enrol(drip, time_zone=zone)

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


def test_the_send_window_follows_a_daylight_saving_change(drip, smtp, clock):
    clock.move_to(dt.datetime(2026, 3, 7, 20, 0, tzinfo=dt.UTC))  # Saturday, EST
    lead = enrol(drip, time_zone="America/New_York")

    scheduler_pass()

    # Clocks went forward on Sunday 8 March: Monday 08:00 is 12:00 UTC, not 13:00.
    assert the_touch(lead).due_at == dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_the_frequency_cap_counts_emails_and_letters_together(drip, smtp, settings):
    lead = enrol(drip)
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
    first, second = drip_with_steps(0, slug="one"), drip_with_steps(0, slug="two")
    lead = enrol(first)
    enrolment_create(drip=second, lead=lead, source="test")

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
    drip, smtp, settings, consent, stage, soft_opt_in, sent, reason
):
    settings.MAIL_SOFT_OPT_IN = soft_opt_in
    lead = enrol(drip, email_consent=consent, stage=stage)

    scheduler_pass()

    assert bool(smtp.messages) is sent
    if not sent:
        touch = the_touch(lead)
        assert (touch.status, touch.outcome) == (Touch.Status.SKIPPED, reason[:100])
        assert Enrolment.objects.get(lead=lead).stop_reason == reason


def test_a_suppressed_address_is_never_mailed(drip, smtp):
    lead = enrol(drip)
    Suppression.objects.create(email_digest=email_digest(lead.email.upper()), reason="bounced")

    scheduler_pass()

    assert not smtp.messages
    assert the_touch(lead).outcome == "The address is on the suppression list"


def test_a_temporary_failure_is_retried_with_backoff_and_sent_once(drip, smtp, clock):
    lead = enrol(drip)
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


def test_a_permanent_failure_bounces_the_address_and_the_rest_of_the_batch_goes(drip, smtp):
    bad, good = enrol(drip, email="gone@example.org"), enrol(drip, email="here@example.org")
    smtp.refuse[bad.email] = "550 5.1.1 No such user"

    scheduler_pass()

    assert [message["To"] for message in smtp.messages] == [good.email]
    outbox = OutboxEmail.objects.get(lead=bad, step__position=1)
    assert outbox.status == "failed" and "550" in outbox.last_error
    assert Suppression.objects.get(email_digest=email_digest(bad.email)).reason == "bounced"
    assert Enrolment.objects.get(lead=bad).stop_reason == "Hard bounce"
    assert Interaction.objects.filter(lead=bad, kind=Interaction.Kind.EMAIL_BOUNCED).exists()


def test_a_broken_template_fails_that_email_only(db, smtp):
    broken = drip_with_steps(0, slug="broken")
    broken.steps.get().variants.update(html_body="{% if %}")
    fine = drip_with_steps(0, slug="fine")
    lead = enrol(broken)
    enrolment_create(drip=fine, lead=lead, source="test")

    scheduler_pass()

    assert len(smtp.messages) == 1
    failed = OutboxEmail.objects.get(enrolment__drip=broken)
    assert failed.status == "failed"
    assert failed.last_error.startswith("The step's template does not render")


def test_an_email_of_a_drip_stopped_after_it_was_queued_is_not_sent(drip, smtp):
    lead = enrol(drip)
    Touch.objects.filter(lead=lead).update(status=Touch.Status.CLAIMED, claimed_at=NOW)
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")

    emails_send(touch_ids=list(Touch.objects.filter(lead=lead).values_list("pk", flat=True)))

    assert not smtp.messages


def test_an_email_left_sending_by_a_dead_worker_is_checked_again_before_it_goes(drip, smtp):
    lead = enrol(drip)
    touch = the_touch(lead)
    Touch.objects.filter(pk=touch.pk).update(status=Touch.Status.CLAIMED, claimed_at=NOW)
    OutboxEmail.objects.filter(touch=touch).update(
        status="sending", sending_at=NOW - SENDING_LEASE - dt.timedelta(seconds=1)
    )
    interaction_record(lead=lead, kind=Interaction.Kind.EMAIL_REPLIED, source="test")
    assert OutboxEmail.objects.get(touch=touch).status == "sending"  # left to its worker

    emails_send(touch_ids=[touch.pk])

    assert not smtp.messages
    assert OutboxEmail.objects.get(touch=touch).status == "cancelled"
    assert Touch.objects.get(pk=touch.pk).outcome == "Drip ended: Replied"
