"""A lead's letter: the template's body filled in for the lead, and the lead's
address as the envelope window shows it.

Templates see merge fields, as cadence emails do (a dict of plain values,
autoescaped), and compile in the same sandbox (mailings.templating.sandbox): a
lead's data can never inject markup and a template can never reach a method that
changes data, another template or the server.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import zip_longest

from django.conf import settings
from django.utils import timezone

from crm.models import Lead
from mailings.email.rendering import LEAD_MERGE_FIELDS, MergeField, merge_fields
from mailings.letters.labels import render_labels_pdf
from mailings.letters.models import LetterTemplate
from mailings.letters.pdf import Letter, render_letters_pdf
from mailings.letters.postal import address_lines, address_problems, lead_address
from mailings.templating.prose import prose_tidied
from mailings.templating.sandbox import template_problems, template_render

# What letter_for() gives a template, for the editor's picker and for the check on
# saving (the only names a letter may use): a letter greets "friend".
LETTER_MERGE_FIELDS = (
    *(
        replace(field, fallback="friend") if field.fallback == "there" else field
        for field in LEAD_MERGE_FIELDS
    ),
    MergeField("today", "Today's date", "Letter", format="date:'F j, Y'"),
    MergeField("sender_name", "Sender's name", "Letter", fallback="The team"),
    MergeField("coupon_code", "Coupon code", "Letter"),
    MergeField("offer", "Offer", "Letter"),
)


def letter_for(
    template: LetterTemplate, lead: Lead, *, today: dt.date | None = None, reference: str = ""
) -> Letter:
    """Raises django.template.TemplateSyntaxError for a broken template (a
    TemplateRefused for one that reaches outside the sandbox)."""
    fields = merge_fields(lead) | {
        "today": today or timezone.localdate(),
        "coupon_code": template.coupon_code,
        "offer": template.offer,
        "sender_name": lead.owner.get_full_name() if lead.owner_id else "",
    }
    return Letter(
        recipient=envelope_lines(lead),
        body_html=prose_tidied(template_render(template.body, fields)),
        css=template.css,
        reference=reference,
    )


def letter_template_problems(body: str) -> list[str]:
    """What stops a letter's body from being saved or approved ([] when nothing)."""
    names = [field.name for field in LETTER_MERGE_FIELDS]
    return template_problems(body, fields=names, kind="a letter")


def letters_pdf(
    template: LetterTemplate,
    leads: Iterable[Lead],
    *,
    paper: str,
    references: Sequence[str] = (),
) -> bytes:
    """One PDF of `template` for each lead, in the order given; `references`, when
    given, are the letters' print-run ids in the same order."""
    today = timezone.localdate()
    letters = [
        letter_for(template, lead, today=today, reference=reference)
        for lead, reference in zip_longest(leads, references, fillvalue="")
    ]
    return render_letters_pdf(letters, paper=paper)


def labels_pdf(leads: Iterable[Lead], *, sheet: str) -> bytes:
    """A label sheet PDF with each lead's address, in the order given."""
    return render_labels_pdf([envelope_lines(lead) for lead in leads], sheet=sheet)


def envelope_lines(lead: Lead) -> list[str]:
    """The lead's address as it goes on an envelope sent from our country."""
    return address_lines(lead_address(lead), sender_country=settings.CRM_DEFAULT_COUNTRY)


def why_not_mail(lead: Lead) -> str:
    """Why no letter can go to this lead at all, or "" when one can."""
    if lead.do_not_mail:
        return "Do not mail"
    if lead.address_undeliverable_at is not None:
        return "Address undeliverable: a letter came back; no letters until it changes"
    if problems := address_problems(lead_address(lead)):
        return "Incomplete address: " + "; ".join(problems)
    return ""
