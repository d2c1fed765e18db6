"""A rep's day with a cadence, in Chromium: its call step from the queue, then the
personal email that the call's outcome brings due, edited and sent from the rep
to a real SMTP server."""

import pytest

from followups.cadences.models import Channel, OutcomePolicy
from followups.cadences.services import enrolment_create
from mailings.models import StepVariant
from tests.browser.conftest import log_in
from tests.browser.test_call_queue import COUNTRY, wait_for_card, zone_open_now  # noqa: F401
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.mailings.conftest import smtp  # noqa: F401

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def booth_visit(rep_alice, zone_open_now):  # noqa: F811
    """A call now; on no answer, a personal email at once; then a task a day later."""
    cadence = cadence_with(
        {"channel": Channel.CALL, "script": "Ask how the demo went."},
        {"channel": Channel.PERSONAL_EMAIL},
        {"channel": Channel.TASK, "wait": 1, "wait_unit": "days", "script": "Send the sample"},
        name="Booth visit",
    )
    OutcomePolicy.objects.create(cadence=cadence, outcome="no_answer", action="next")
    StepVariant.objects.create(
        step=cadence.steps.get(position=2),
        label="A",
        subject="Sorry I missed you, {{ lead.first_name }}",
        html_body="<p>Hi {{ lead.first_name }},</p><p>I tried to call you today.</p>",
    )
    lead = LeadFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        email_consent="confirmed",
        owner=rep_alice,
        phone="+14155550123",
        country=COUNTRY,
        time_zone=zone_open_now,
    )
    enrolment_create(cadence=cadence, lead=lead, source="Visited the booth")
    return lead


def test_rep_works_a_call_step_then_sends_the_personal_email_it_brings(
    page,
    rep_alice,
    booth_visit,
    smtp,  # noqa: F811
):
    log_in(page, "alice")
    page.get_by_role("link", name="Queue").click()
    wait_for_card(page, "Call Ada Lovelace")
    card = page.locator("#call-card")
    assert "Booth visit, step 1" in card.inner_text()
    assert "Ask how the demo went." in card.inner_text()
    page.get_by_role("heading", name="Emails to send (0)").wait_for()

    page.get_by_role("button", name="No answer").click()
    wait_for_card(page, "Nothing to call right now")
    emails = page.get_by_role("heading", name="Emails to send (1)")
    emails.wait_for()
    page.get_by_role("list", name="Emails to send (1)").get_by_role(
        "link", name="Ada Lovelace"
    ).click()

    page.get_by_role("heading", name="Email Ada Lovelace").wait_for()
    assert "Booth visit, step 2 (personal email)" in page.locator(".call-facts").inner_text()
    assert page.get_by_label("Subject").input_value() == "Sorry I missed you, Ada"
    body = page.get_by_label("Your email")
    assert body.input_value() == "Hi Ada,\n\nI tried to call you today."
    body.fill("Hi Ada,\n\nI tried to call you today. When suits you for a quick chat?\n\nAlice")
    page.get_by_role("button", name="Send", exact=True).click()

    page.wait_for_url("**/queue/")
    assert (
        "Sent “Sorry I missed you, Ada” to Ada Lovelace." in page.locator(".messages").inner_text()
    )
    page.get_by_role("heading", name="Emails to send (0)").wait_for()
    [message] = smtp.messages
    assert message["From"] == "Alice Rep <alice@example.com>"
    assert message["Reply-To"] == "alice@example.com"
    assert message["To"] == "ada@example.org"
    text = message.get_body(("plain",)).get_content()
    assert "When suits you for a quick chat?" in text

    page.goto(booth_visit.get_absolute_url())
    row = page.locator("section.lead-cadences tbody tr").first
    assert "Booth visit" in row.inner_text()
    assert "3: Task" in row.inner_text()
    assert "Active" in row.inner_text()
