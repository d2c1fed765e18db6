"""A small world with known numbers for the dashboard: the period is the first
quarter of 2026 (UTC), with things that happened inside it and just outside.

Funnel (leads created in the quarter; the stage decides, the timeline does not):
    Expo 2026 (event)      L1 new + letter mailed · L2 new + email sent · L3 working
                           · L4 lost + meeting · L5 customer · L6 new + booth visit
                                                              -> 6 leads, 3, 1, 1
    Win a bike (giveaway)  G1 customer (a purchase) · G2 qualified
                                                              -> 2 leads, 2, 2, 1
    no campaign            N1 new + letter mailed · R1 customer · R2 new
                           (R1 and R2 referred by L5)         -> 3 leads, 1, 1, 1
    O1 (Expo, a customer) and R3 (referred) were created in December: not counted.
Calls: Alice 3 in the quarter (interested, meeting, no answer) and 1 in December;
    Bob 2 (voicemail, not interested).
Cadence "Welcome": step 1 (email) tests A (40 sent, 20 opened, 4 clicked) against
    B (40 sent, 20 opened, 20 clicked); step 2 (email) went to L1 (opened) and L2
    (replied); L1 unsubscribed on 1 March; one email in December and one never
    sent. Step 3 (call): L3's call of 3 February (the done call touch above).
    L4, in it from 2 January to 15 March, had its meeting then.
Print runs: "March letters" mailed 10 March to L1 (who visited the website ten
    days later) and G1, with G2 an exception; one run mailed in December, one ready.
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import time_machine

from crm.models import Campaign, Interaction, Lead
from crm.outcomes import CallOutcome as Outcome
from followups.models import Channel, Enrolment, Touch
from mailings.email.services import email_unsubscribe
from mailings.letters.models import PrintRun, PrintRunLetter
from mailings.models import OutboxEmail
from reports.selectors import DashboardFilter
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory
from tests.followups.cadences.factories import CadenceFactory, StepFactory
from tests.mailings.factories import EmailStepFactory, StepVariantFactory
from tests.mailings.letters.factories import LetterTemplateFactory

UTC = dt.UTC
Kind = Interaction.Kind
Stage = Lead.Stage
KEYS = itertools.count()

FIRST_DAY, LAST_DAY = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
IN_RANGE = dt.datetime(2026, 2, 1, 9, tzinfo=UTC)
BEFORE = dt.datetime(2025, 12, 15, 9, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def quarter() -> DashboardFilter:
    return DashboardFilter.for_dates(FIRST_DAY, LAST_DAY, time_zone=UTC)


@dataclass
class World:
    expo: Campaign
    giveaway: Campaign
    leads: SimpleNamespace

    def only(self, campaign: Campaign) -> DashboardFilter:
        return DashboardFilter.for_dates(FIRST_DAY, LAST_DAY, time_zone=UTC, campaign=campaign)


@pytest.fixture
def world(rep_alice, rep_bob, manager_maria) -> World:
    expo = CampaignFactory(name="Expo 2026", kind=Campaign.Kind.EVENT)
    giveaway = CampaignFactory(name="Win a bike", kind=Campaign.Kind.GIVEAWAY)
    leads = _leads(expo, giveaway, rep_alice, rep_bob)
    _funnel_evidence(leads)
    _calls(leads, rep_alice, rep_bob)
    _touches(leads)
    _cadence(leads)
    _print_runs(leads, manager_maria)
    return World(expo, giveaway, leads)


def _leads(expo, giveaway, alice, bob) -> SimpleNamespace:
    def lead(name, campaign, stage, created=IN_RANGE, **fields):
        return LeadFactory(
            first_name=name,
            last_name="Known",
            source_campaign=campaign,
            stage=stage,
            created_at=created,
            **fields,
        )

    leads = SimpleNamespace(
        L1=lead("L1", expo, Stage.NEW, owner=alice),
        L2=lead("L2", expo, Stage.NEW, owner=alice),
        L3=lead("L3", expo, Stage.WORKING, owner=alice),
        L4=lead("L4", expo, Stage.LOST),
        L5=lead("L5", expo, Stage.CUSTOMER),
        L6=lead("L6", expo, Stage.NEW),
        G1=lead("G1", giveaway, Stage.CUSTOMER, owner=bob),
        G2=lead("G2", giveaway, Stage.QUALIFIED, owner=bob),
        N1=lead("N1", None, Stage.NEW),
        O1=lead("O1", expo, Stage.CUSTOMER, created=BEFORE, owner=alice),
    )
    leads.R1 = lead("R1", None, Stage.CUSTOMER, referred_by=leads.L5)
    leads.R2 = lead("R2", None, Stage.NEW, referred_by=leads.L5)
    leads.R3 = lead("R3", None, Stage.CUSTOMER, created=BEFORE, referred_by=leads.L5)
    return leads


def _funnel_evidence(leads) -> None:
    InteractionFactory(lead=leads.L2, kind=Kind.EMAIL_SENT, occurred_at=at(2, 2))
    InteractionFactory(lead=leads.L4, kind=Kind.MEETING, occurred_at=at(2, 5))
    InteractionFactory(lead=leads.G1, kind=Kind.PURCHASE, occurred_at=at(2, 10))
    InteractionFactory(lead=leads.N1, kind=Kind.LETTER_MAILED, occurred_at=at(2, 15))
    InteractionFactory(lead=leads.L6, kind=Kind.BOOTH_VISIT, occurred_at=at(1, 20))
    InteractionFactory(lead=leads.R2, kind=Kind.NOTE, occurred_at=at(2, 20))


def _calls(leads, alice, bob) -> None:
    def call(lead, user, outcome, when):
        InteractionFactory(lead=lead, kind=Kind.CALL, user=user, outcome=outcome, occurred_at=when)

    # Mondays: 2 February, 9 February, 2 March 2026.
    call(leads.L3, alice, Outcome.INTERESTED, at(2, 3))
    call(leads.L4, alice, Outcome.MEETING, at(2, 3, 11))
    call(leads.G2, alice, Outcome.NO_ANSWER, at(2, 10))
    call(leads.O1, alice, Outcome.INTERESTED, at(12, 20, year=2025))
    call(leads.L2, bob, Outcome.VOICEMAIL, at(2, 4))
    call(leads.G1, bob, Outcome.NOT_INTERESTED, at(3, 2))


def touch(lead, channel, *, created, status=Touch.Status.PENDING, completed=None) -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel=channel,
        due_at=created,
        created_at=created,
        status=status,
        completed_at=completed,
        reason="Known data",
        origin="Test",
        key=f"report-test:{next(KEYS)}",
    )


def _touches(leads) -> None:
    Done, Skipped = Touch.Status.DONE, Touch.Status.SKIPPED
    touch(leads.L1, Channel.CALL, created=at(3, 1))
    touch(leads.L3, Channel.CALL, created=at(2, 1), status=Done, completed=at(2, 3))
    touch(leads.G1, Channel.EMAIL, created=BEFORE, status=Skipped, completed=at(1, 5))
    touch(leads.N1, Channel.LETTER, created=at(3, 30), status=Done, completed=at(4, 5))
    touch(leads.L5, Channel.CALL, created=BEFORE, status=Done, completed=BEFORE)


def _cadence(leads) -> None:
    cadence = CadenceFactory(name="Welcome")
    first = EmailStepFactory(cadence=cadence, position=1)
    a = StepVariantFactory(step=first, label="A", subject="Hello")
    b = StepVariantFactory(step=first, label="B", subject="Hello there")
    second = StepVariantFactory(step=EmailStepFactory(cadence=cadence, position=2), label="A")
    # The A/B test went to 80 people who came before the quarter and from no campaign.
    people = LeadFactory.create_batch(80, created_at=BEFORE)
    for number, person in enumerate(people):
        variant, index = (a, number) if number < 40 else (b, number - 40)
        _email(
            cadence,
            variant,
            person,
            sent=at(2, 5),
            opened=index < 20,
            clicked=index < (4 if variant is a else 20),
        )
    _email(cadence, second, leads.L1, sent=at(2, 6), opened=True)
    _email(cadence, second, leads.L2, sent=at(2, 6), replied=True)
    _email(cadence, second, leads.L3, sent=at(12, 1, year=2025), opened=True)
    _email(cadence, second, leads.G2, sent=None)
    call = StepFactory(cadence=cadence, position=3, channel=Channel.CALL)
    Touch.objects.filter(lead=leads.L3, channel=Channel.CALL).update(
        enrolment=Enrolment.objects.get(cadence=cadence, lead=leads.L3), step=call
    )
    Enrolment.objects.create(
        cadence=cadence,
        lead=leads.L4,
        source="Test",
        enrolled_at=at(1, 2),
        status=Enrolment.Status.FINISHED,
        ended_at=at(3, 15),
    )
    with time_machine.travel(at(3, 1), tick=False):  # its enrolments end "now"
        email_unsubscribe(email=leads.L1.email, source="test", now=at(3, 1))


def _email(cadence, variant, lead, *, sent, opened=False, clicked=False, replied=False) -> None:
    enrolment = Enrolment.objects.filter(
        cadence=cadence, lead=lead
    ).first() or Enrolment.objects.create(
        cadence=cadence, lead=lead, source="Test", enrolled_at=at(1, 2), step=variant.step
    )
    OutboxEmail.objects.create(
        enrolment=enrolment,
        step=variant.step,
        variant=variant,
        lead=lead,
        touch=touch(lead, Channel.EMAIL, created=BEFORE, status=Touch.Status.CANCELLED),
        status=OutboxEmail.Status.SENT if sent else OutboxEmail.Status.PENDING,
        sent_at=sent,
        opened_at=sent if opened or clicked else None,
        clicked_at=sent if clicked else None,
        replied_at=sent if replied else None,
    )


def _print_runs(leads, manager) -> None:
    template = LetterTemplateFactory(name="Thank you")

    def run(name, status, mailed_at, letters):
        printed = PrintRun.objects.create(
            name=name,
            template=template,
            source=PrintRun.Source.LEADS,
            status=status,
            mailed_at=mailed_at,
            mailed_by=manager if mailed_at else None,
        )
        for position, (lead, exception) in enumerate(letters):
            PrintRunLetter.objects.create(
                run=printed, lead=lead, position=position, exception=exception
            )
            if mailed_at and not exception:
                InteractionFactory(lead=lead, kind=Kind.LETTER_MAILED, occurred_at=mailed_at)

    Mailed = PrintRun.Status.MAILED
    run(
        "March letters",
        Mailed,
        at(3, 10),
        [(leads.L1, ""), (leads.G1, ""), (leads.G2, "No address")],
    )
    run("December letters", Mailed, at(12, 10, year=2025), [(leads.L3, "")])
    run("April letters", PrintRun.Status.READY, None, [(leads.L2, "")])
    # L1 answers the March letter; G1 bought before it, which is no answer.
    InteractionFactory(lead=leads.L1, kind=Kind.WEB_VISIT, occurred_at=at(3, 20))
