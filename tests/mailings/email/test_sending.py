"""A batch of email touches sent (mailings.email.sending): what each email carries, the
checks before it goes (consent, suppression), failures, and which variant a lead gets."""

import datetime as dt
import re

import pytest

from crm.models import Interaction
from followups.cadences.services import enrolment_create
from followups.models import Channel, Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.consent.addresses import email_digest
from mailings.models import OutboxEmail, Suppression
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.email.batches import enrol, the_touch
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence

pytestmark = pytest.mark.usefixtures("clock")


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
