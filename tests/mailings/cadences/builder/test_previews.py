"""The builder's preview and test send (mailings.cadences.builder.previews): an
email or letter step rendered for a chosen lead."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from followups.cadences.models import (
    Channel,
    WaitUnit,
)
from mailings.models import OutboxEmail, StepVariant
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory
from tests.mailings.cadences.builder.factories import ReachableLeadFactory, add_step, cadence_of
from tests.mailings.factories import ConsentingLeadFactory, email_cadence
from tests.mailings.letters.reading import pdf_text

pytestmark = pytest.mark.usefixtures("clock")

HOURS, DAYS = WaitUnit.HOURS, WaitUnit.DAYS


@pytest.fixture
def cadence(db, rep_alice):
    rep_alice.email = "alice@example.com"
    rep_alice.save()
    cadence = email_cadence(0, 24, name="Nurture")
    add_step(cadence, Channel.LETTER, wait=1, unit=DAYS)
    return cadence


@pytest.fixture
def dana(rep_alice):
    return ReachableLeadFactory(first_name="Dana", last_name="Whitfield", owner=rep_alice)


def preview_url(cadence) -> str:
    return reverse("cadences:preview", args=[cadence.pk])


def test_the_preview_renders_an_email_for_a_chosen_lead(maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=2)

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": dana.pk})

    assert response.status_code == 200
    assert '<dd class="email-subject">Step 2 for Dana</dd>' in response.text
    frame = re.search(r'<iframe [^>]*sandbox srcdoc="([^"]*)"', response.text)[1]
    assert "Hi Dana, from" in html.unescape(frame)
    # The frame keeps this page's policy: the email's inline styles are allowed here.
    assert "style-src-attr 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "Hi Dana" in re.search(r'<pre class="email-text">(.*?)</pre>', response.text, re.S)[1]


def test_the_preview_starts_with_the_first_step_and_finds_leads_by_search(maria, cadence, dana):
    LeadFactory(first_name="Daniel", last_name="Okafor", company="Acme")
    LeadFactory(first_name="Zed", last_name="Quill", company="Acme")  # no "dan" anywhere

    response = maria.get(preview_url(cadence), {"q": "dan"})

    assert response.status_code == 200
    first = StepVariant.objects.get(step__cadence=cadence, step__position=1)
    assert f'<option value="v{first.pk}" selected>' in response.text
    assert "Dana Whitfield" in response.text and "Daniel" in response.text
    assert "Zed" not in response.text
    assert f'href="?lead={dana.pk}&amp;item=v{first.pk}"' in response.text
    letter = cadence.steps.get(position=3)
    assert (
        f'<option value="l{letter.pk}">Step 3 (letter): {letter.letter.template}' in response.text
    )


def test_the_preview_of_a_letter_step_is_its_pdf_for_the_lead(maria, cadence, dana):
    letter = cadence.steps.get(channel=Channel.LETTER)

    page = maria.get(preview_url(cadence), {"item": f"l{letter.pk}", "lead": dana.pk})
    src = html.unescape(
        re.search(r'<iframe [^>]*title="The letter as a PDF" src="([^"]+)"', page.text)[1]
    )
    pdf = maria.get(src)

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    text = pdf_text(pdf.content)
    assert "Dear Dana," in text
    assert "Dana Whitfield" in text  # the address in the envelope window


def test_a_letter_preview_for_an_unknown_lead_or_step_is_a_400(maria, cadence):
    letter = cadence.steps.get(channel=Channel.LETTER)
    other = add_step(CadenceFactory(), Channel.LETTER)
    url = reverse("cadences:letter_preview", args=[cadence.pk])

    assert maria.get(url, {"step": letter.pk, "lead": 999999}).status_code == 400
    assert maria.get(url, {"step": other.pk, "lead": LeadFactory().pk}).status_code == 400
    assert maria.get(url, {"step": "x"}).status_code == 400


def test_lead_data_cannot_inject_markup_into_the_preview(maria, cadence):
    lead = ConsentingLeadFactory(first_name='<script>alert("x")</script>')
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": lead.pk})

    assert "<script>alert" not in response.text
    assert "<script>alert" not in html.unescape(re.search(r'srcdoc="([^"]*)"', response.text)[1])


def test_a_preview_for_an_unknown_lead_or_another_cadences_email_is_a_400(maria, cadence):
    other = StepVariant.objects.get(step__cadence=email_cadence(0, name="Other"))

    assert maria.get(preview_url(cadence), {"lead": 999999}).status_code == 400
    assert "No lead has this id." in maria.get(preview_url(cadence), {"lead": 999999}).text
    assert maria.get(preview_url(cadence), {"item": f"v{other.pk}"}).status_code == 400


def test_a_template_that_fails_while_rendering_shows_the_error(maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)
    StepVariant.objects.filter(pk=variant.pk).update(html_body="{% include 'nowhere.html' %}")

    response = maria.get(preview_url(cadence), {"item": f"v{variant.pk}", "lead": dana.pk})

    assert response.status_code == 200
    message = "This email does not render for Dana Whitfield: {% include %} is not allowed"
    assert message in html.unescape(response.text)


def test_a_cadence_without_emails_or_letters_has_nothing_to_preview(maria):
    cadence = cadence_of((Channel.CALL, 0, HOURS))

    response = maria.get(preview_url(cadence))

    assert response.status_code == 200
    assert "This cadence has no emails or letters yet." in response.text


def test_a_test_send_goes_to_the_manager_marked_as_a_test(maria, manager_maria, cadence, dana):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(
        reverse("cadences:test_send", args=[cadence.pk]), {"variant": variant.pk, "lead": dana.pk}
    )

    assert response.status_code == 302
    assert response.url == f"{preview_url(cadence)}?item=v{variant.pk}&lead={dana.pk}"
    (message,) = mail.outbox
    assert message.to == [manager_maria.email]
    assert message.subject == "[Test] Step 1 for Dana"
    assert "Hi Dana, from" in message.alternatives[0][0]
    assert not OutboxEmail.objects.exists()  # nothing of the cadence's own


def test_a_manager_without_an_email_address_is_told_so(maria, manager_maria, cadence, dana):
    manager_maria.email = ""
    manager_maria.save()
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(
        reverse("cadences:test_send", args=[cadence.pk]),
        {"variant": variant.pk, "lead": dana.pk},
        follow=True,
    )

    assert mail.outbox == []
    assert "Your account has no email address" in response.text


def test_a_test_send_without_a_lead_is_a_400(maria, cadence):
    variant = StepVariant.objects.get(step__cadence=cadence, step__position=1)

    response = maria.post(reverse("cadences:test_send", args=[cadence.pk]), {"variant": variant.pk})

    assert response.status_code == 400
    assert "Choose a lead." in response.text
    assert mail.outbox == []
