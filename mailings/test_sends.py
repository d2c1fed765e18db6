"""A drip step sent as a test to the manager writing it: rendered for a chosen lead,
but transactional (no drip, no cap, no tracking, no List-Unsubscribe), and
marked "[Test] " so it is never taken for the real thing."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from crm.models import Lead
from mailings.messages import token_url
from mailings.models import StepVariant
from mailings.rendering import Links, render_email

TEST_SUBJECT_PREFIX = "[Test] "


def preview_links() -> Links:
    """Links for previews and test sends. The unsubscribe link carries a token that
    does not verify, so following it from a test changes nothing."""
    return Links(unsubscribe=token_url("mail:unsubscribe", "preview"))


def send_test_email(variant: StepVariant, lead: Lead, to: str) -> None:
    """Raises TemplateSyntaxError (or whatever a broken template raises) unsent."""
    rendered = render_email(variant, lead, preview_links())
    message = EmailMultiAlternatives(
        subject=TEST_SUBJECT_PREFIX + rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send()
