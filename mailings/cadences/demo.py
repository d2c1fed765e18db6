"""A demo cadence for a demo database: an email follow-up for the busiest event,
with an A/B test on its first subject line and a few weeks of history (sent,
opened, clicked, replied), so the cadence pages and the A/B report have
something to show.

Rows are written in bulk, skipping the services (one enrolment at a time): the
history happened in the past, nothing is sent. Later steps still due are real
pending touches, which the scheduler sends when their time comes.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead
from followups.cadences.models import Cadence, CadenceStep, Enrolment, WaitUnit
from followups.cadences.progress import step_touch_fields
from followups.models import Touch
from mailings.email.messages import site_domain
from mailings.email.rendering import render_subject
from mailings.email.steps import variant_for
from mailings.models import OutboxEmail, StepVariant

MAX_LEADS = 800
# What each variant of the first email did (opened, clicked, replied): B's subject wins.
RATES = {"A": (0.32, 0.05, 0.015), "B": (0.41, 0.09, 0.02)}
SECOND_STEP_SENT = 0.6


@dataclass(frozen=True)
class DemoCadence:
    cadence: str
    enrolled: int
    sent: int
    pending: int


@transaction.atomic
def demo_cadence_seed(*, seed: int = 1, now: dt.datetime | None = None) -> DemoCadence | None:
    """None when the demo has no event with booth visits by consenting leads."""
    now = now or timezone.now()
    campaign = _busiest_event()
    if campaign is None:
        return None
    cadence = _event_cadence(campaign)
    leads = list(
        Lead.objects.filter(
            email_consent=Lead.EmailConsent.CONFIRMED,
            interactions__kind=Interaction.Kind.BOOTH_VISIT,
            interactions__campaign=campaign,
        )
        .distinct()
        .order_by("pk")[:MAX_LEADS]
    )
    history = _History(random.Random(seed), now, cadence, campaign)
    for lead in leads:
        history.add(lead)
    return history.write()


def _busiest_event() -> Campaign | None:
    busiest = (
        Interaction.objects.filter(
            kind=Interaction.Kind.BOOTH_VISIT, lead__email_consent=Lead.EmailConsent.CONFIRMED
        )
        .exclude(campaign=None)
        .values("campaign")
        .annotate(visits=Count("id"))
        .order_by("-visits", "campaign")
        .first()
    )
    return Campaign.objects.get(pk=busiest["campaign"]) if busiest else None


def _event_cadence(campaign: Campaign) -> Cadence:
    cadence = Cadence.objects.create(
        name=f"{campaign.name} follow-up",
        slug=f"event-{campaign.pk}-follow-up",
        is_active=True,
        description="The demo: an email follow-up of the busiest event, with an A/B test.",
    )
    cadence.triggers.create(kind=Interaction.Kind.BOOTH_VISIT, campaign=campaign)
    first = CadenceStep.objects.create(cadence=cadence, position=1, wait=2)
    body = (
        "<p>Hi {{ lead.first_name|default:'there' }},</p><p>Thanks for stopping by our "
        "booth at {{ campaign|default:'the show' }}. Here are the slides we talked about, "
        'and <a href="https://example.com/demo">a 20-minute demo</a> when you are ready.</p>'
        "<p>{{ rep.full_name|default:'The team' }}</p>"
    )
    StepVariant.objects.create(
        step=first, label="A", subject=f"Great to meet you at {campaign.name}", html_body=body
    )
    StepVariant.objects.create(
        step=first,
        label="B",
        subject="{{ lead.first_name|default:'Hi' }}, the slides from our chat",
        html_body=body,
    )
    second = CadenceStep.objects.create(
        cadence=cadence, position=2, wait=3, wait_unit=WaitUnit.BUSINESS_DAYS
    )
    StepVariant.objects.create(
        step=second,
        label="A",
        subject="How teams like {{ lead.company|default:'yours' }} follow up",
        html_body="<p>Hi {{ lead.first_name|default:'there' }},</p><p>Three follow-up "
        "habits from customers you met at the show.</p><p>{{ rep.full_name }}</p>",
    )
    return cadence


class _History:
    """Rows for each lead's enrolment and the emails it got, drawn from one Random."""

    def __init__(self, rng: random.Random, now: dt.datetime, cadence: Cadence, campaign):
        self.rng, self.now, self.cadence, self.campaign = rng, now, cadence, campaign
        self.steps = list(cadence.steps.prefetch_related("variants").order_by("position"))
        self.plans: list[tuple[Lead, dt.datetime, list[tuple]]] = []

    def add(self, lead: Lead) -> None:
        enrolled = self.now - dt.timedelta(days=self.rng.uniform(4, 40))
        first_sent = enrolled + dt.timedelta(hours=2)
        engagement = self._engagement(variant_for(self.steps[0], lead))
        emails = [(self.steps[0], first_sent, engagement)]
        replied = engagement[2]
        if not replied and self.rng.random() < SECOND_STEP_SENT:
            emails.append((self.steps[1], first_sent + dt.timedelta(days=3), (False,) * 3))
        self.plans.append((lead, enrolled, emails))

    def _engagement(self, variant: StepVariant) -> tuple[bool, bool, bool]:
        opened_rate, clicked_rate, replied_rate = RATES[variant.label]
        opened = self.rng.random() < opened_rate
        clicked = opened and self.rng.random() < clicked_rate / opened_rate
        return opened, clicked, opened and self.rng.random() < replied_rate / opened_rate

    def write(self) -> DemoCadence:
        enrolments = Enrolment.objects.bulk_create(
            self._enrolment(lead, enrolled, emails) for lead, enrolled, emails in self.plans
        )
        sent = pending = 0
        for enrolment, (lead, _, emails) in zip(enrolments, self.plans, strict=True):
            for step, sent_at, engagement in emails:
                self._sent_email(enrolment, lead, step, sent_at, engagement)
                sent += 1
            if enrolment.status == Enrolment.Status.ACTIVE:
                self._pending_email(enrolment, lead, self.steps[1], emails[-1][1])
                pending += 1
        return DemoCadence(self.cadence.name, len(enrolments), sent, pending)

    def _enrolment(self, lead, enrolled, emails) -> Enrolment:
        """Finished after both emails, ended by a reply, else waiting for the second."""
        replied, last_sent = emails[0][2][2], emails[-1][1]
        status, reason = Enrolment.Status.ACTIVE, ""
        if replied:
            status, reason = Enrolment.Status.EXITED, "Reply to an email"
        elif len(emails) == len(self.steps):
            status, reason = Enrolment.Status.FINISHED, "Went through every step"
        return Enrolment(
            cadence=self.cadence,
            lead=lead,
            source=f"Visited the booth at {self.campaign.name}",
            enrolled_at=enrolled,
            status=status,
            # Waiting for the next email, or on the last one it got.
            step=self.steps[len(emails) if status == Enrolment.Status.ACTIVE else len(emails) - 1],
            exit_reason=reason,
            ended_at=None if status == Enrolment.Status.ACTIVE else last_sent,
        )

    def _sent_email(self, enrolment, lead, step, sent_at, engagement) -> None:
        opened, clicked, replied = engagement
        touch = self._touch(enrolment, lead, step, sent_at, Touch.Status.DONE)
        variant = variant_for(step, lead)
        OutboxEmail.objects.create(
            enrolment=enrolment,
            step=step,
            variant=variant,
            lead=lead,
            touch=touch,
            status=OutboxEmail.Status.SENT,
            to_email=lead.email,
            subject=render_subject(variant, lead),
            message_id=f"<demo.{enrolment.pk}.{step.pk}@{site_domain()}>",
            attempts=1,
            sent_at=sent_at,
            opened_at=sent_at + dt.timedelta(hours=3) if opened else None,
            clicked_at=sent_at + dt.timedelta(hours=4) if clicked else None,
            replied_at=sent_at + dt.timedelta(hours=6) if replied else None,
        )
        kinds = [(Interaction.Kind.EMAIL_SENT, 0)]
        kinds += [
            (kind, hours)
            for kind, hours, happened in (
                (Interaction.Kind.EMAIL_OPENED, 3, opened),
                (Interaction.Kind.EMAIL_CLICKED, 4, clicked),
                (Interaction.Kind.EMAIL_REPLIED, 6, replied),
            )
            if happened
        ]
        Interaction.objects.bulk_create(
            Interaction(
                lead=lead,
                kind=kind,
                occurred_at=sent_at + dt.timedelta(hours=hours),
                source="demo",
                data={
                    "cadence": self.cadence.name,
                    "step": step.position,
                    "variant": variant.label,
                },
            )
            for kind, hours in kinds
        )

    def _pending_email(self, enrolment, lead, step, after) -> None:
        due = max(
            after + dt.timedelta(days=3), self.now + dt.timedelta(hours=self.rng.uniform(1, 96))
        )
        touch = self._touch(enrolment, lead, step, due, Touch.Status.PENDING)
        OutboxEmail.objects.create(
            enrolment=enrolment, step=step, variant=variant_for(step, lead), lead=lead, touch=touch
        )

    def _touch(self, enrolment, lead, step, due_at, status) -> Touch:
        done = status == Touch.Status.DONE
        return Touch.objects.create(
            **step_touch_fields(enrolment, step, 1),
            due_at=due_at,
            status=status,
            completed_at=due_at if done else None,
            outcome="sent" if done else "",
        )
