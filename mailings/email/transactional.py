"""Transactional emails, one function each: not marketing, so no cadence, no cap, no
tracking and no List-Unsubscribe. Each has three templates (<name>_subject.txt,
<name>.txt, <name>.html), except the test send of a cadence email step, whose templates
are the step's own."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from crm.models import Lead
from mailings.consent.selectors import current_consent_text
from mailings.email import tokens
from mailings.email.messages import token_url
from mailings.email.rendering import Links, render_email
from mailings.models import StepVariant

TEST_SUBJECT_PREFIX = "[Test] "


def send_consent_confirmation(lead: Lead) -> None:
    """The double opt-in email: one link that confirms."""
    text = current_consent_text()
    context = {
        "first_name": lead.first_name,
        "confirm_url": token_url("mail:confirm", tokens.make(tokens.CONFIRM, lead.pk)),
        "consent_text": text.text if text else "",
        "postal_address": settings.MAIL_POSTAL_ADDRESS,
    }
    _deliver(
        subject=render_to_string("mailings/emails/consent_confirmation_subject.txt", context),
        text=render_to_string("mailings/emails/consent_confirmation.txt", context),
        html=render_to_string("mailings/emails/consent_confirmation.html", context),
        to=lead.email,
    )


def send_test_email(variant: StepVariant, lead: Lead, to: str) -> None:
    """A cadence email step as `lead` would get it, to the manager writing it, marked
    "[Test] " so it is never taken for the real thing. Raises TemplateSyntaxError
    (or whatever a broken template raises) unsent."""
    rendered = render_email(variant, lead, preview_links())
    _deliver(
        subject=TEST_SUBJECT_PREFIX + rendered.subject,
        text=rendered.text,
        html=rendered.html,
        to=to,
    )


def preview_links() -> Links:
    """Links for previews and test sends. The unsubscribe link carries a token that
    does not verify, so following it from a test changes nothing."""
    return Links(unsubscribe=token_url("mail:unsubscribe", "preview"))


def _deliver(*, subject: str, text: str, html: str, to: str) -> None:
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
