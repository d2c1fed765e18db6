"""Transactional emails, one function each: not marketing, so no drip, no cap and
no unsubscribe footer. Three templates each: <name>_subject.txt, <name>.txt, <name>.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from crm.models import Lead
from mailings import tokens
from mailings.consent import current_consent_text


def send_consent_confirmation(lead: Lead) -> None:
    """The double opt-in email: one link that confirms."""
    token = tokens.make(tokens.CONFIRM, lead.pk)
    text = current_consent_text()
    _send(
        "consent_confirmation",
        to=lead.email,
        context={
            "first_name": lead.first_name,
            "confirm_url": settings.SITE_URL + reverse("mail:confirm", args=[token]),
            "consent_text": text.text if text else "",
            "postal_address": settings.MAIL_POSTAL_ADDRESS,
        },
    )


def _send(name: str, *, to: str, context: dict) -> None:
    subject = render_to_string(f"mailings/emails/{name}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"mailings/emails/{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"mailings/emails/{name}.html", context), "text/html"
    )
    message.send()
