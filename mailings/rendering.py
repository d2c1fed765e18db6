"""Rendering a cadence email for one lead: subject, HTML and text, with the footer
every marketing email carries (a visible unsubscribe link, our postal address)
and, when sent for real, tracked links and an open pixel.

Steps are Django templates written by managers, compiled and rendered in the
sandbox (mailings.template_sandbox). They see merge fields, not the lead object:
a dict of plain values, autoescaped in HTML, so a lead's data can never inject
markup and a template can never reach a method that changes data.
"""

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape, unescape

from django.conf import settings
from django.template.loader import render_to_string

from crm.models import Lead
from crm.names import PersonName, formal_name
from crm.referrals.services import customer_referral_url
from mailings.plaintext import html_to_text
from mailings.prose import campaign_in_prose, name_in_prose
from mailings.template_sandbox import template_problems, template_render

LINK = re.compile(r'href="(https?://[^"]+)"')


@dataclass(frozen=True)
class Links:
    """The addresses an email links to. click/open_pixel are None in previews."""

    unsubscribe: str
    unsubscribe_mailto: str = ""
    open_pixel: str | None = None
    click: object = None  # a function url -> tracked url


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class MergeField:
    """A value templates can write, as the rich-text editor's picker offers it.

    The picker inserts {{ name|default:'<fallback>' }}, the fallback being what the
    manager types beside it (`fallback` is the suggestion); a field with a `format`
    is always there and is inserted as {{ name|<format> }}; a field with
    `link_text` is an address, inserted as a link with that text.
    """

    name: str
    label: str
    group: str
    fallback: str = ""
    format: str = ""
    link_text: str = ""


# What merge_fields() gives a template, for the picker and for the check on saving
# (the only names a template may use); tests hold the two in step.
LEAD_MERGE_FIELDS = (
    MergeField("lead.first_name", "First name", "Lead", fallback="there"),
    MergeField("lead.last_name", "Last name", "Lead"),
    MergeField("lead.full_name", "Full name", "Lead", fallback="there"),
    MergeField("lead.name_prefix", "Name prefix (Dr., Ms, ...)", "Lead"),
    MergeField("lead.name_suffix", "Name suffix (Jr., PhD, ...)", "Lead"),
    MergeField("lead.formal_name", "Formal name", "Lead", fallback="there"),
    MergeField("lead.email", "Email address", "Lead"),
    MergeField("lead.company", "Company", "Lead", fallback="your company"),
    MergeField("lead.title", "Job title", "Lead"),
    MergeField("lead.city", "City", "Lead"),
    MergeField("lead.region", "State or region", "Lead"),
    MergeField("lead.postal_code", "Postal code", "Lead"),
    MergeField("lead.country", "Country", "Lead"),
    MergeField("referral_url", "Referral link (customers only)", "Lead"),
    MergeField("rep.first_name", "Rep's first name", "Their rep", fallback="The team"),
    MergeField("rep.full_name", "Rep's full name", "Their rep", fallback="The team"),
    MergeField("rep.email", "Rep's email address", "Their rep"),
    MergeField("campaign", "Campaign they came from", "Campaign"),
)
EMAIL_MERGE_FIELDS = (
    *LEAD_MERGE_FIELDS,
    MergeField("unsubscribe_url", "Unsubscribe link", "Email", link_text="Unsubscribe"),
)


def merge_fields(lead: Lead) -> dict:
    owner = lead.owner
    # As a person would write them in a sentence (mailings.prose): a name typed in
    # capitals in proper case, a campaign's code as its name.
    first, last = name_in_prose(lead.first_name), name_in_prose(lead.last_name, surname=True)
    return {
        "lead": {
            "name_prefix": lead.name_prefix,
            "first_name": first,
            "last_name": last,
            "name_suffix": lead.name_suffix,
            "full_name": f"{first} {last}".strip(),
            "formal_name": formal_name(PersonName(lead.name_prefix, first, last, lead.name_suffix)),
            "email": lead.email,
            "company": lead.company,
            "title": lead.title,
            "city": lead.city,
            "region": lead.region,
            "postal_code": lead.postal_code,
            "country": lead.country,
        },
        "rep": {
            "first_name": owner.first_name if owner else "",
            "full_name": owner.get_full_name() if owner else "",
            "email": owner.email if owner else "",
        },
        "campaign": campaign_in_prose(lead.source_campaign.name) if lead.source_campaign_id else "",
        # A customer's referral link, empty for anyone else. The template calls it
        # only where it is used: the first use gives the customer their code.
        "referral_url": partial(customer_referral_url, lead),
    }


def render_email(variant, lead: Lead, links: Links) -> RenderedEmail:
    """Raises django.template.TemplateSyntaxError for a broken step template (a
    TemplateRefused for one that reaches outside the sandbox)."""
    fields = merge_fields(lead) | {"unsubscribe_url": links.unsubscribe}
    subject = _one_line(_plain(variant.subject, fields))
    body = template_render(variant.html_body, fields)
    text_source = variant.text_body if variant.text_body.strip() else _text_of(variant.html_body)
    text_body = _plain(text_source, fields).strip()
    if links.click is not None:
        body = LINK.sub(lambda found: _tracked(found, links.click), body)
    footer = {
        "unsubscribe_url": links.unsubscribe,
        "postal_address": settings.MAIL_POSTAL_ADDRESS,
        "open_pixel": links.open_pixel,
    }
    html = render_to_string(
        "mailings/emails/drip.html", {"body": body, "subject": subject} | footer
    )
    text = render_to_string("mailings/emails/drip.txt", {"body": text_body} | footer)
    return RenderedEmail(subject=subject, html=html, text=text)


def render_personal(subject: str, html_body: str, text_body: str, links: Links) -> RenderedEmail:
    """A personal email as its rep wrote it (merge fields filled in already, when it
    was put in front of them), with the same footer as every email."""
    footer = {
        "unsubscribe_url": links.unsubscribe,
        "postal_address": settings.MAIL_POSTAL_ADDRESS,
        "open_pixel": links.open_pixel,
    }
    body = (
        LINK.sub(lambda found: _tracked(found, links.click), html_body)
        if links.click
        else html_body
    )
    text = text_body.strip() or _text_of(html_body)
    html = render_to_string(
        "mailings/emails/drip.html", {"body": body, "subject": subject} | footer
    )
    return RenderedEmail(
        subject=_one_line(subject),
        html=html,
        text=render_to_string("mailings/emails/drip.txt", {"body": text} | footer),
    )


def render_words(variant, lead: Lead) -> tuple[str, str]:
    """A step's subject and its words in plain text, for this lead, without the
    footer: what a rep's personal email starts from (render_personal adds it)."""
    fields = merge_fields(lead) | {"unsubscribe_url": ""}
    text_source = variant.text_body if variant.text_body.strip() else _text_of(variant.html_body)
    return _one_line(_plain(variant.subject, fields)), _plain(text_source, fields).strip()


def render_subject(variant, lead: Lead) -> str:
    return _one_line(_plain(variant.subject, merge_fields(lead)))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def email_template_problems(source: str) -> list[str]:
    """What stops a step's subject, HTML or text from being saved ([] when nothing)."""
    names = [field.name for field in EMAIL_MERGE_FIELDS]
    return template_problems(source, fields=names, kind="an email")


def _plain(source: str, fields: dict) -> str:
    return template_render(source, fields, autoescape=False)


@lru_cache(maxsize=512)
def _text_of(html_source: str) -> str:
    """A text template made from an HTML template, once per template rather than
    once per email: its merge fields are filled in later, unescaped, as text."""
    return html_to_text(html_source)


def _tracked(found: re.Match, click) -> str:
    return f'href="{escape(click(unescape(found.group(1))))}"'
