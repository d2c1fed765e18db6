"""The email as it leaves: rendered for its lead, with the headers mail providers
require of bulk senders (RFC 2369 List-Unsubscribe, RFC 8058 one-click, RFC
2919 List-Id) and a Message-ID that stays the same if it is ever sent again."""

from functools import cache
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse

from mailings.consent.unsubscribes import unsubscribe_token
from mailings.email import tokens
from mailings.email.rendering import Links, RenderedEmail, render_email, render_personal
from mailings.email.wire import WireEmail, phrase
from mailings.models import OutboxEmail


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def token_url(view: str, token: str) -> str:
    """The full address of one of the email link views, for this token."""
    return site_url(_path_with_slot(view).replace(TOKEN_SLOT, token))


TOKEN_SLOT = "TOKEN"


@cache
def _path_with_slot(view: str) -> str:
    # reverse() once per view, not several times per email: it is slow next to a replace.
    return reverse(view, args=[TOKEN_SLOT])


def email_links(outbox: OutboxEmail) -> Links:
    def click(url: str) -> str:
        return token_url("mail:click", tokens.make(tokens.CLICK, [outbox.pk, url]))

    unsubscribe = unsubscribe_token(outbox.pk, outbox.lead.email)
    return Links(
        unsubscribe=token_url("mail:unsubscribe", unsubscribe),
        unsubscribe_mailto=f"mailto:{settings.MAIL_UNSUBSCRIBE_MAILTO}"
        f"?subject={quote('unsubscribe ' + unsubscribe)}",
        open_pixel=token_url("mail:open", tokens.make(tokens.OPEN, outbox.pk)),
        click=click,
    )


def message_id_sql() -> Concat:
    """Each outbox email's Message-ID, as SQL for one UPDATE of a whole batch:
    <cadence.ENROLMENT.STEP.EMAIL@site> (0 for a card email's enrolment and step)."""
    enrolment, step = Coalesce("enrolment_id", Value(0)), Coalesce("step_id", Value(0))
    parts = [Value("<cadence."), enrolment, Value("."), step, Value("."), F("pk")]
    return Concat(*parts, Value(f"@{site_domain()}>"), output_field=CharField())


def outbox_message(outbox: OutboxEmail) -> tuple[RenderedEmail, WireEmail]:
    """The outbox email rendered for its lead (a personal email: as its rep wrote
    it), and as it goes out."""
    links = email_links(outbox)
    if outbox.sent_by_id:
        rendered = render_personal(outbox.subject, outbox.html_body, outbox.text_body, links)
    else:
        rendered = render_email(outbox.variant, outbox.lead, links)
    message = build_message(outbox, rendered, links)
    message.seal()  # the bytes are written here, before any connection opens
    return rendered, message


def build_message(outbox: OutboxEmail, rendered: RenderedEmail, links: Links) -> WireEmail:
    headers = {
        "Message-ID": outbox.message_id,
        "List-Unsubscribe": f"<{links.unsubscribe}>, <{links.unsubscribe_mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if outbox.enrolment_id:  # a card email is one person's to another, on no list
        cadence = outbox.enrolment.cadence
        headers["List-Id"] = f"{phrase(cadence.name)} <{cadence.slug}.{site_domain()}>"
    from_email = settings.DEFAULT_FROM_EMAIL
    rep = outbox.sent_by
    if rep is not None and rep.email:
        # From the rep, and their replies go to the rep (not to a shared inbox).
        from_email = f"{phrase(rep.display_name)} <{rep.email}>"
        headers["Reply-To"] = rep.email
    message = WireEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=from_email,
        to=[outbox.lead.email],
        headers=headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
