"""A cadence's personal email, from the rep's queue: the step's email put in front
of the rep in plain words, which they may edit, and their "Send".

Send is one transaction: the touch is claimed for delivery (the gate: a second
click finds it claimed and sends nothing), the lead's consent checked, the
outbox row written with the rep's words (one per touch); then the delivery job
is queued (after commit, config.jobs), which sends it as any cadence email
goes (mailings.email.sending) but From the rep, with replies to the rep
(mailings.email.messages.build_message).

From the call card a rep may also send an email of their own, started from one
of the templates the picker offers (the personal-email steps of every cadence,
and every email step of the lead's cadences): the card's Send plans a personal
email touch for it, of no cadence, and sends it through the same path."""

import logging
import re
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import urlize

from config.jobs import enqueue
from crm.models import Lead, User
from followups.channels import Draft, Template
from followups.jobs import touches_deliver
from followups.ledger import touch_schedule
from followups.models import CadenceStep, Channel, Enrolment, Touch
from followups.scheduler import DELIVERY_QUEUE
from followups.services import touch_claim_for_delivery
from mailings.email.rendering import render_words
from mailings.email.steps import personal_email_check, variant_for
from mailings.models import OutboxEmail, StepVariant

logger = logging.getLogger(__name__)
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def personal_email_draft(touch: Touch) -> Draft:
    """The step's email (the lead's variant) with merge fields filled in, or blank
    when the step has none (or its template does not render: the rep writes
    their own); and why the lead may not be emailed, if so."""
    variant = variant_for(touch.step, touch.lead) if touch.step_id else None
    subject, body = "", ""
    if variant is not None:
        try:
            subject, body = render_words(variant, touch.lead)
        except Exception:  # a manager's template: the rep can still write the email
            logger.exception("Could not render step variant %s", variant.pk)
    return Draft(subject=subject, body=body, refusal=personal_email_check(touch.lead))


def personal_email_send(
    *, touch: Touch, rep: User, subject: str, body: str, variant: StepVariant | None = None
) -> OutboxEmail:
    """Send the rep's words for this touch, once. Raises ValidationError when it
    may not go: sent already, the cadence ended, the lead may not be emailed
    (the rep may skip the step instead). `variant`: what a card email started
    from (a step's touch started from its step's)."""
    now = timezone.now()
    with transaction.atomic():
        if not touch_claim_for_delivery(touch_id=touch.pk, by=rep, now=now):
            raise ValidationError(_why_not_pending(touch))
        touch = Touch.objects.select_related("lead", "step", "enrolment").get(pk=touch.pk)
        _check(touch, rep)
        subject = " ".join(subject.split())[:300]
        outbox = _outbox_write(touch, rep, subject, body.strip(), variant)
    enqueue(touches_deliver, Channel.PERSONAL_EMAIL, [touch.pk], queue=DELIVERY_QUEUE)
    return outbox


def _why_not_pending(touch: Touch) -> str:
    status, outcome = Touch.objects.values_list("status", "outcome").get(pk=touch.pk)
    if status == Touch.Status.DONE:
        return "This email has been sent already."
    if status in Touch.OPEN:  # claimed, or held by a send not committed yet
        return "This email is being sent already."
    return f"This email is no longer planned ({outcome or status})."


def _check(touch: Touch, rep: User) -> None:
    if touch.assigned_to_id != rep.pk:
        raise ValidationError("This email is another rep's to send.")
    if touch.enrolment_id and touch.enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(f"{touch.lead.display_name}'s cadence is not running any more.")
    if refusal := personal_email_check(touch.lead):
        raise ValidationError(
            f"{touch.lead.display_name} may not be emailed: {refusal}. Skip the step instead."
        )


def _outbox_write(touch: Touch, rep: User, subject: str, body: str, variant) -> OutboxEmail:
    """The touch's one outbox row, with the rep's words (written anew when an earlier
    try did not go: a temporary failure gave it back to the rep)."""
    words = {
        "sent_by": rep,
        "subject": subject,
        "text_body": body,
        "html_body": html_of(body),
        "status": OutboxEmail.Status.PENDING,
        "last_error": "",
    }
    outbox, created = OutboxEmail.objects.select_for_update().get_or_create(
        touch=touch,
        defaults=words
        | {
            "enrolment_id": touch.enrolment_id,
            "step": touch.step,
            "variant": variant or (variant_for(touch.step, touch.lead) if touch.step_id else None),
            "lead": touch.lead,
        },
    )
    if not created:
        if outbox.status in (OutboxEmail.Status.SENDING, OutboxEmail.Status.SENT):
            raise ValidationError("This email has been sent already.")
        for name, value in words.items():
            setattr(outbox, name, value)
        outbox.save(update_fields=list(words))
    return outbox


def html_of(text: str) -> str:
    """The rep's plain words as simple HTML: paragraphs, line breaks and links,
    everything else escaped."""
    paragraphs = PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip())
    return "\n".join(
        "<p>" + urlize(paragraph, autoescape=True).replace("\n", "<br>\n") + "</p>"
        for paragraph in paragraphs
        if paragraph.strip()
    )


# From the call card


def card_email_templates(lead: Lead) -> list[Template]:
    """What the picker offers: every email step of the lead's open cadences, then
    the personal-email steps of every cadence switched on (each variant once)."""
    theirs = StepVariant.objects.filter(
        step__channel__in=(Channel.EMAIL, Channel.PERSONAL_EMAIL),
        step__cadence__enrolments__lead=lead,
        step__cadence__enrolments__status__in=Enrolment.OPEN,
    )
    everyones = StepVariant.objects.filter(
        step__channel=Channel.PERSONAL_EMAIL, step__cadence__is_active=True
    )
    order = ("step__cadence__name", "step__position", "label")
    found = {
        group: list(variants.select_related("step__cadence").order_by(*order).distinct())
        for group, variants in (("Their cadences", theirs), ("Personal emails", everyones))
    }
    steps = {variant.step_id for variants in found.values() for variant in variants}
    siblings = Counter(StepVariant.objects.filter(step__in=steps).values_list("step", flat=True))
    offered: dict[int, Template] = {}
    for group, variants in found.items():
        for variant in variants:
            label = _label(variant, several=siblings[variant.step_id] > 1)
            offered.setdefault(variant.pk, Template(variant.pk, label, group))
    return list(offered.values())


def _label(variant: StepVariant, *, several: bool) -> str:
    step: CadenceStep = variant.step
    which = f" {variant.label}" if several else ""
    return f"{step.cadence.name}, step {step.position}{which}: {variant.subject}"[:200]


def _offered(lead: Lead, template_pk) -> StepVariant | None:
    if not any(template.pk == template_pk for template in card_email_templates(lead)):
        return None
    return StepVariant.objects.select_related("step__cadence").get(pk=template_pk)


def card_email_draft(lead: Lead, template_pk: int | None) -> Draft | None:
    """The template for this lead, merge fields filled in (blank without one, for
    the rep's own words); None when the template is not one offered to them."""
    refusal = personal_email_check(lead)
    if template_pk is None:
        return Draft(subject="", body="", refusal=refusal)
    variant = _offered(lead, template_pk)
    if variant is None:
        return None
    subject, body = "", ""
    try:
        subject, body = render_words(variant, lead)
    except Exception:  # a manager's template: the rep can still write the email
        logger.exception("Could not render step variant %s", variant.pk)
    return Draft(subject=subject, body=body, refusal=refusal)


def card_email_send(
    *, lead: Lead, rep: User, template_pk: int | None, subject: str, body: str, key: str
) -> OutboxEmail:
    """Send the rep's email from the call card, once per `key` (the form's: a
    second click finds its touch claimed already): a personal email touch of
    no cadence, sent by personal_email_send. Nothing is planned when it may not
    go (consent, suppression)."""
    if refusal := personal_email_check(lead):
        raise ValidationError(f"{lead.display_name} may not be emailed: {refusal}.")
    variant = _offered(lead, template_pk) if template_pk else None
    with transaction.atomic():
        touch = touch_schedule(
            lead=lead,
            channel=Channel.PERSONAL_EMAIL,
            due_at=timezone.now(),
            reason=f"Written on the call card by {rep.display_name}",
            key=f"card-email:{rep.pk}:{key}",
            origin="Call card",
            assigned_to=rep,
        )
        return personal_email_send(
            touch=touch, rep=rep, subject=subject, body=body, variant=variant
        )
