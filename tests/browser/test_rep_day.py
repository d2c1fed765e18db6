"""A rep's day at the call card, in Chromium: three calls, with a personal email
sent from the template picker (to a real SMTP server), an outcome logged by
mistake and undone, a call back booked from a preset, and "Do not call"
confirmed in its dialog. axe-core checks every page and swap (conftest).
SCREENSHOTS=1 saves the card to docs/screenshots/rep-day.png."""

import datetime as dt
import os
import re

import pytest
from django.conf import settings
from django.utils import timezone

from crm.models import Interaction, Lead
from followups.cadences.models import Channel
from followups.models import Touch
from followups.queue.call_backs import TOMORROW_MORNING, preset_at
from mailings.models import StepVariant
from tests.browser.conftest import log_in
from tests.browser.test_call_queue import COUNTRY, wait_for_card, zone_open_now  # noqa: F401
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.mailings.conftest import smtp  # noqa: F401

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SCREENSHOT = settings.BASE_DIR / "docs" / "screenshots" / "rep-day.png"


@pytest.fixture
def day(rep_alice, zone_open_now):  # noqa: F811
    """Three calls due now, and a personal email the reps may start from. The rep
    works from Chicago, so the presets read in two zones."""
    rep_alice.time_zone = "America/Chicago"
    rep_alice.save()
    cadence = cadence_with(
        {"channel": Channel.PERSONAL_EMAIL}, {"channel": Channel.TASK}, name="After a good call"
    )
    StepVariant.objects.create(
        step=cadence.steps.get(position=1),
        subject="Good to speak, {{ lead.first_name }}",
        html_body="<p>Hi {{ lead.first_name }},</p><p>Here is the price list for "
        "{{ lead.company }}, as promised.</p>",
    )
    now = timezone.now()
    people = [
        ("Laura", "Pérez", "Acme Ibérica", 90),
        ("Eli", "Okafor", "Contoso", 70),
        ("Fay", "Lind", "Initech", 50),
    ]
    leads = []
    for first, last, company, priority in people:
        lead = LeadFactory(
            first_name=first,
            last_name=last,
            company=company,
            email=f"{first.lower()}@example.org",
            email_consent="confirmed",
            owner=rep_alice,
            phone=f"+1415555{priority:04d}",
            country=COUNTRY,
            time_zone=zone_open_now,
        )
        Touch.objects.create(
            lead=lead,
            channel=Channel.CALL,
            due_at=now - dt.timedelta(hours=1),
            reason="Downloaded the pricing guide",
            origin="Rule: Content download: call now",
            priority=priority,
            assigned_to=rep_alice,
            key=f"rep-day:{priority}",
        )
        leads.append(lead)
    return leads


def test_a_rep_works_three_calls_from_the_card(page, rep_alice, day, smtp):  # noqa: F811
    laura, eli, fay = day
    log_in(page, "alice")
    page.get_by_role("link", name="Queue").click()
    wait_for_card(page, "Call Laura Pérez")

    # 1. Laura is interested: an email from the picker, edited, then the outcome.
    page.get_by_role("link", name="Email Laura Pérez…").click()
    page.get_by_label("Start from").select_option(
        label="After a good call, step 1: Good to speak, {{ lead.first_name }}"
    )
    page.get_by_role("button", name="Use this template").click()
    subject = page.get_by_label("Subject")
    subject.and_(page.locator('[value="Good to speak, Laura"]')).wait_for()
    body = page.get_by_role("textbox", name="Your email")
    assert "Here is the price list for Acme Ibérica, as promised." in body.input_value()
    body.fill(body.input_value() + "\n\nTalk soon,\nAlice")
    page.get_by_role("button", name="Send it").click()
    page.get_by_text("Sent “Good to speak, Laura” to Laura Pérez, from you.").wait_for()
    page.get_by_role("button", name="Connected: interested").click()
    wait_for_card(page, "Call Eli Okafor")

    # 2. Eli: "No answer" pressed by mistake, undone, then a call back tomorrow morning.
    page.keyboard.press("5")
    wait_for_card(page, "Call Fay Lind")
    status = page.locator("#queue-status")
    assert "Logged “No answer” for Eli Okafor — Undo" in status.inner_text()
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    status.get_by_role("button", name="Undo").click()
    wait_for_card(page, "Call Eli Okafor")
    assert "Undone: “No answer” for Eli Okafor is no longer logged." in status.inner_text()
    page.get_by_role("radio", name=re.compile("^Tomorrow morning")).check()
    assert page.get_by_label("Call back at").input_value()  # the script filled it in
    page.get_by_role("button", name="Call back at…").click()
    wait_for_card(page, "Call Fay Lind")

    # 3. Fay asks never to be called again: confirmed in the dialog.
    page.get_by_role("button", name="Do not call").click()
    dialog = page.get_by_role("dialog", name="Never call Fay Lind again?")
    dialog.get_by_role("button", name="Yes, do not call them").click()
    wait_for_card(page, "Nothing to call right now")

    [message] = smtp.messages
    assert (message["From"], message["To"]) == ("Alice Rep <alice@example.com>", laura.email)
    assert "Talk soon," in message.get_body(("plain",)).get_content()
    calls = Interaction.objects.filter(kind=Interaction.Kind.CALL).order_by("pk")
    assert [(call.lead_id, call.outcome) for call in calls] == [
        (laura.pk, "interested"),
        (eli.pk, "call_back"),
        (fay.pk, "do_not_call"),
    ]
    call_back = Touch.objects.get(lead=eli, status=Touch.Status.PENDING)
    assert call_back.due_at == preset_at(
        TOMORROW_MORNING, lead_zone=eli.time_zone, now=timezone.now()
    )
    assert Lead.objects.get(pk=fay.pk).do_not_call is True
