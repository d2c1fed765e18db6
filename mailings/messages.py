"""The email as it leaves: rendered for its lead, with the headers mail providers
require of bulk senders (RFC 2369 List-Unsubscribe, RFC 8058 one-click, RFC
2919 List-Id) and a Message-ID that stays the same if it is ever sent again."""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from mailings import tokens
from mailings.models import OutboxEmail
from mailings.rendering import Links, RenderedEmail, render_email
from mailings.unsubscribes import unsubscribe_token


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def unsubscribe_url(token: str) -> str:
    return site_url(reverse("mail:unsubscribe", args=[token]))


def email_links(outbox: OutboxEmail) -> Links:
    def click(url: str) -> str:
        return site_url(reverse("mail:click", args=[tokens.make(tokens.CLICK, [outbox.pk, url])]))

    return Links(
        unsubscribe=unsubscribe_url(unsubscribe_token(outbox.pk, outbox.lead.email)),
        open_pixel=site_url(reverse("mail:open", args=[tokens.make(tokens.OPEN, outbox.pk)])),
        click=click,
    )


def message_id(outbox: OutboxEmail) -> str:
    return f"<drip.{outbox.enrolment_id}.{outbox.step_id}.{outbox.pk}@{site_domain()}>"


def render_outbox(outbox: OutboxEmail) -> RenderedEmail:
    return render_email(outbox.variant, outbox.lead, email_links(outbox))


def build_message(outbox: OutboxEmail, rendered: RenderedEmail) -> EmailMultiAlternatives:
    token = unsubscribe_token(outbox.pk, outbox.to_email)
    mailto = f"mailto:{settings.MAIL_UNSUBSCRIBE_MAILTO}?subject={quote('unsubscribe ' + token)}"
    unsubscribe = unsubscribe_url(token)
    drip = outbox.enrolment.drip
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbox.to_email],
        headers={
            "Message-ID": outbox.message_id,
            "List-Unsubscribe": f"<{unsubscribe}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{_header_phrase(drip.name)} <{drip.slug}.{site_domain()}>",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _header_phrase(text: str) -> str:
    cleaned = " ".join(text.replace('"', "'").split())
    return f'"{cleaned}"'
