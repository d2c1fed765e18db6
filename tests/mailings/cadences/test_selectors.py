"""Reads of the cadence pages (mailings.cadences.selectors): the counts and rates
of the list, what happened on each step, the people, and who switching on enrols."""

import datetime as dt

import pytest

from crm.audiences.models import Audience
from crm.audiences.services import audience_refresh
from crm.models import Interaction
from crm.outcomes import CallOutcome
from followups.cadences.models import CadenceTrigger, Channel, Enrolment, ExitCondition
from followups.cadences.services import enrolment_create
from followups.cadences.triggers import exit_reason
from followups.models import Touch
from mailings.cadences.joiners import audience_joiners, recent_trigger_leads
from mailings.cadences.selectors import (
    State,
    cadence_people,
    cadences_overview,
    enrolment_counts,
    step_summaries,
)
from mailings.letters.models import StepLetter
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory
from tests.followups.cadences.factories import CadenceFactory, cadence_with
from tests.mailings.cadences.factories import enrolment, sent_email, step_touch
from tests.mailings.conftest import NOW
from tests.mailings.factories import StepVariantFactory
from tests.mailings.letters.factories import LetterTemplateFactory

pytestmark = pytest.mark.usefixtures("clock")
Kind = Interaction.Kind
Status = Enrolment.Status
DAY = dt.timedelta(days=1)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


# What counts as a reply and a meeting


def test_counts_people_by_state_and_who_replied(db):
    cadence = cadence_with({"channel": Channel.EMAIL})
    step = cadence.steps.get()
    variant = StepVariantFactory(step=step)
    sent_email(variant, replied=True)  # replied to one of its emails
    sent_email(variant, opened=True)
    enrolment(cadence, status=Status.PAUSED)
    enrolment(cadence, status=Status.FINISHED)
    enrolment(cadence, status=Status.EXITED, exit_reason=exit_reason(ExitCondition.REPLIED))
    enrolment(cadence, status=Status.EXITED, exit_reason="Removed by Maria Manager")
    other = CadenceFactory()
    enrolment(other)

    counts = enrolment_counts([cadence.pk, other.pk])

    mine = counts[cadence.pk]
    assert (mine.active, mine.paused, mine.finished, mine.exited) == (2, 1, 1, 2)
    assert (mine.in_it, mine.enrolled, mine.replied, mine.meetings) == (3, 6, 2, 0)
    assert mine.reply_rate == pytest.approx(100 * 2 / 6)
    assert counts[other.pk].enrolled == 1
    assert counts[other.pk].reply_rate == 0


def test_a_meeting_counts_while_the_person_was_in_it(db):
    cadence = CadenceFactory()
    inside = enrolment(cadence, enrolled_at=ago(10))
    InteractionFactory(lead=inside.lead, kind=Kind.MEETING, occurred_at=ago(5))
    booked_on_a_call = enrolment(cadence, enrolled_at=ago(10))
    InteractionFactory(
        lead=booked_on_a_call.lead,
        kind=Kind.CALL,
        outcome=CallOutcome.MEETING,
        occurred_at=ago(2),
    )
    before = enrolment(cadence, enrolled_at=ago(10))
    InteractionFactory(lead=before.lead, kind=Kind.MEETING, occurred_at=ago(11))
    after = enrolment(cadence, enrolled_at=ago(10), status=Status.FINISHED, ended_at=ago(4))
    InteractionFactory(lead=after.lead, kind=Kind.MEETING, occurred_at=ago(3))
    ended_by_one = enrolment(
        cadence, status=Status.EXITED, exit_reason=exit_reason(ExitCondition.MEETING)
    )
    finished_on_a_call = enrolment(
        cadence, status=Status.FINISHED, exit_reason=f"Call: {CallOutcome.MEETING.label}"
    )
    other_call = enrolment(cadence, enrolled_at=ago(10))
    InteractionFactory(
        lead=other_call.lead, kind=Kind.CALL, outcome=CallOutcome.NO_ANSWER, occurred_at=ago(1)
    )

    counts = enrolment_counts([cadence.pk])[cadence.pk]

    assert (counts.enrolled, counts.meetings) == (7, 4)
    assert counts.meeting_rate == pytest.approx(100 * 4 / 7)
    assert {inside, booked_on_a_call, ended_by_one, finished_on_a_call} == set(
        Enrolment.objects.filter(cadence=cadence).exclude(
            pk__in=[before.pk, after.pk, other_call.pk]
        )
    )


def test_the_overview_lists_every_cadence_with_its_steps_triggers_and_counts(
    db, django_assert_num_queries
):
    expo = CampaignFactory(name="Expo")
    booth = cadence_with(
        {"channel": Channel.CALL}, {"channel": Channel.EMAIL}, {"channel": Channel.LETTER}
    )
    CadenceTrigger.objects.create(cadence=booth, kind=Kind.BOOTH_VISIT, campaign=expo)
    enrolment(booth)

    with django_assert_num_queries(4):
        cadences = cadences_overview()
        found = next(cadence for cadence in cadences if cadence.pk == booth.pk)
        assert [step.channel for step in found.steps.all()] == ["call", "email", "letter"]
        assert [trigger.describe() for trigger in found.triggers.all()] == ["Booth visit in Expo"]
    assert found.counts.active == 1
    quiet = next(cadence for cadence in cadences if cadence.pk != booth.pk)
    assert quiet.counts.enrolled == 0


# What happened on each step


def test_each_step_says_who_is_on_it_and_what_happened(db, django_assert_num_queries):
    cadence = cadence_with(
        {"channel": Channel.CALL},
        {"channel": Channel.EMAIL},
        {"channel": Channel.LETTER},
        {"channel": Channel.TASK},
    )
    call, email, letter, task = cadence.steps.order_by("position")
    StepLetter.objects.create(step=letter, template=LetterTemplateFactory(name="Thanks"))
    a = StepVariantFactory(step=email, label="A", subject="Hello")
    StepVariantFactory(step=email, label="B", subject="Hi")
    people = [enrolment(cadence, step=call) for _ in range(3)]
    Enrolment.objects.filter(pk=people[0].pk).update(status=Status.PAUSED)
    enrolment(cadence, step=letter)
    enrolment(cadence, step=call, status=Status.FINISHED)  # not on it now
    for outcome in ("no_answer", "no_answer", "interested"):
        step_touch(people[1], call, outcome=outcome)
    for why in ["No phone number"] * 3 + ["Calls paused"] * 2 + ["Do not call", "Wrong number"]:
        step_touch(people[2], call, status=Touch.Status.SKIPPED, outcome=why)
    step_touch(people[2], call, status=Touch.Status.CANCELLED, outcome="Paused")
    sent_email(a, opened=True)
    step_touch(people[1], letter, outcome="mailed")
    step_touch(people[1], task, outcome="done")
    step_touch(people[2], task, outcome="done")

    with django_assert_num_queries(5):
        summaries = step_summaries(cadence)
        assert summaries[2].step.letter.template.name == "Thanks"

    by_channel = {summary.step.channel: summary for summary in summaries}
    called = by_channel["call"]
    assert (called.on_it, called.active, called.paused) == (3, 2, 1)
    assert called.done == 3
    assert called.call_outcomes == [("No answer", 2), ("Connected: interested", 1)]
    assert called.skipped == 7
    assert called.skip_reasons == [("No phone number", 3), ("Calls paused", 2), ("Do not call", 1)]
    assert called.other_skips == 1
    emailed = by_channel["email"].emails
    assert [(v.label, v.sent, v.opened) for v in emailed.variants] == [("A", 1, 1), ("B", 0, 0)]
    assert emailed.is_test
    assert (by_channel["letter"].on_it, by_channel["letter"].done) == (1, 1)
    assert by_channel["task"].done == 2
    assert by_channel["call"].emails is None


# The people


def test_the_people_list_filters_by_state_and_search_with_the_next_due_step(db):
    cadence = cadence_with({"channel": Channel.TASK, "wait": 2, "wait_unit": "days"})
    ada = enrolment_create(
        cadence=cadence,
        lead=LeadFactory(first_name="Ada", last_name="Lovelace", company="Known"),
        source="t",
    )
    bea = enrolment_create(
        cadence=cadence,
        lead=LeadFactory(first_name="Bea", last_name="Known", company="Known"),
        source="t",
    )
    Enrolment.objects.filter(pk=bea.pk).update(status=Status.PAUSED)
    gone = enrolment(
        cadence,
        LeadFactory(first_name="Cy", last_name="Known", company="Known"),
        status=Status.EXITED,
    )

    def names(state, q=""):
        return [e.lead.first_name for e in cadence_people(cadence, state=state, q=q)]

    assert sorted(names(State.IN_IT)) == ["Ada", "Bea"]
    assert names(Status.PAUSED) == ["Bea"]
    assert names(Status.EXITED) == ["Cy"]
    assert sorted(names(State.ANY)) == ["Ada", "Bea", "Cy"]
    assert names(State.ANY, "lovelace") == ["Ada"]
    listed = {e.pk: e for e in cadence_people(cadence, state=State.ANY)}
    assert listed[ada.pk].next_due == NOW + 2 * DAY
    assert listed[ada.pk].step.position == 1
    assert listed[gone.pk].next_due is None


# Who switching on enrols


@pytest.fixture
def booth(db):
    cadence = cadence_with({"channel": Channel.TASK}, is_active=False)
    CadenceTrigger.objects.create(cadence=cadence, kind=Kind.BOOTH_VISIT)
    return cadence


def visit(lead=None, days_ago=1, **fields) -> Interaction:
    return InteractionFactory(
        lead=lead or LeadFactory(), kind=Kind.BOOTH_VISIT, occurred_at=ago(days_ago), **fields
    )


def test_those_whose_trigger_happened_since_are_counted_once_each(booth):
    recent, twice, old = visit().lead, visit().lead, visit(days_ago=8).lead
    visit(twice, days_ago=2)
    InteractionFactory(kind=Kind.WEB_VISIT, occurred_at=ago(1))  # not the trigger's kind

    found = recent_trigger_leads(booth, since=ago(7))

    assert set(found) == {recent, twice}
    assert found.count() == 2
    assert old not in recent_trigger_leads(booth, since=ago(7))
    assert old in recent_trigger_leads(booth, since=ago(9))


def test_those_in_it_or_enrolled_since_their_trigger_are_left_out(booth):
    in_it, finished_since, finished_before = (visit(days_ago=3).lead for _ in range(3))
    enrolment(booth, in_it, enrolled_at=ago(10))
    enrolment(booth, finished_since, enrolled_at=ago(2), status=Status.FINISHED)
    enrolment(booth, finished_before, enrolled_at=ago(4), status=Status.FINISHED)

    assert set(recent_trigger_leads(booth, since=ago(7))) == {finished_before}


def test_the_triggers_filters_are_honoured(booth):
    expo, other = CampaignFactory(), CampaignFactory()
    trigger = booth.triggers.get()
    trigger.campaign, trigger.sentiment = expo, "positive"
    trigger.data_key, trigger.data_value = "badge", "  VIP "
    trigger.save()
    match = visit(campaign=expo, sentiment="positive", data={"badge": "vip"}).lead
    visit(campaign=other, sentiment="positive", data={"badge": "vip"})
    visit(campaign=expo, sentiment="negative", data={"badge": "vip"})
    visit(campaign=expo, sentiment="positive", data={"badge": "press"})
    visit(campaign=expo, sentiment="positive", data={})

    assert list(recent_trigger_leads(booth, since=ago(7))) == [match]


def test_a_first_of_its_kind_trigger_counts_only_first_interactions(db):
    upsell = cadence_with({"channel": Channel.EMAIL}, is_active=False)
    CadenceTrigger.objects.create(cadence=upsell, kind=Kind.PURCHASE, first_of_kind=True)
    first_time = LeadFactory()
    InteractionFactory(lead=first_time, kind=Kind.PURCHASE, occurred_at=ago(1))
    repeat = LeadFactory()
    InteractionFactory(lead=repeat, kind=Kind.PURCHASE, occurred_at=ago(100))
    InteractionFactory(lead=repeat, kind=Kind.PURCHASE, occurred_at=ago(1))

    assert list(recent_trigger_leads(upsell, since=ago(7))) == [first_time]


def test_a_cadence_without_triggers_has_no_one_to_catch_up(db):
    assert not recent_trigger_leads(cadence_with({"channel": Channel.TASK}), since=ago(7)).exists()


def test_the_audiences_members_not_in_it_are_who_switching_on_enrols(db):
    audience = Audience.objects.create(
        name="Spain",
        definition={"match": "all", "rules": [{"type": "country", "countries": ["ES"]}]},
    )
    cadence = cadence_with({"channel": Channel.TASK}, audience=audience, is_active=False)
    members = LeadFactory.create_batch(3, country="ES")
    LeadFactory(country="FR")
    audience_refresh(audience=audience, now=NOW)
    enrolment(cadence, members[0])

    assert set(audience_joiners(cadence)) == set(members[1:])
    assert not audience_joiners(cadence_with({"channel": Channel.TASK})).exists()


def test_an_ending_trigger_enrols_no_one_when_switching_on(booth):
    CadenceTrigger.objects.create(cadence=booth, kind=Kind.PURCHASE, ends=True)
    visitor = visit().lead
    InteractionFactory(kind=Kind.PURCHASE, occurred_at=ago(1))

    assert list(recent_trigger_leads(booth, since=ago(7))) == [visitor]
