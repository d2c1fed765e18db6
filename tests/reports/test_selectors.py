"""Dashboard numbers on known data (see conftest.py for the world and its story)."""

import datetime as dt

import pytest
import time_machine

from crm.models import Interaction
from crm.outcomes import CallOutcome
from followups.models import Enrolment
from followups.queue.services import call_log_outcome
from mailings.cadences.abtest import NO_WINNER
from reports.selectors import (
    DashboardFilter,
    cadence_performance,
    channel_touches,
    dashboard,
    funnel,
    print_runs_mailed,
    referrals,
    rep_activity,
)
from reports.selectors.common import mondays
from tests.factories import InteractionFactory
from tests.followups.factories import CallableLeadFactory, TouchFactory
from tests.reports.conftest import FIRST_DAY, IN_RANGE, LAST_DAY, UTC, at


def counts(row) -> tuple[str, int, int, int, int]:
    return (row.label, row.leads, row.contacted, row.qualified, row.customers)


# The funnel


def test_funnel_counts_the_quarters_leads_by_campaign_and_source(world, quarter):
    result = funnel(quarter)

    assert counts(result.total) == ("All leads", 11, 6, 4, 3)
    assert [counts(row) for row in result.by_campaign] == [
        ("Expo 2026", 6, 3, 1, 1),
        ("No campaign", 3, 1, 1, 1),
        ("Win a bike", 2, 2, 2, 1),
    ]
    assert [counts(row) for row in result.by_source] == [
        ("Event / booth", 6, 3, 1, 1),
        ("No campaign", 3, 1, 1, 1),
        ("Giveaway", 2, 2, 2, 1),
    ]


def test_funnel_steps_follow_the_stage_not_one_way_messages(world, quarter):
    """L2 got an email and N1 a letter but are still new: not contacted. L4 had a
    meeting but is lost: contacted, not qualified."""
    expo = funnel(world.only(world.expo)).total

    assert (expo.contacted, expo.qualified) == (3, 1)


def test_funnel_for_one_campaign_counts_only_its_leads(world):
    result = funnel(world.only(world.giveaway))

    assert counts(result.total) == ("All leads", 2, 2, 2, 1)
    assert [counts(row) for row in result.by_campaign] == [("Win a bike", 2, 2, 2, 1)]
    assert [counts(row) for row in result.by_source] == [("Giveaway", 2, 2, 2, 1)]


def test_funnel_of_an_empty_period_is_all_zeros(world):
    empty = DashboardFilter.for_dates(dt.date(2024, 1, 1), dt.date(2024, 1, 31), time_zone=UTC)

    result = funnel(empty)

    assert counts(result.total) == ("All leads", 0, 0, 0, 0)
    assert result.total.customer_rate is None
    assert result.by_campaign == result.by_source == []


def test_a_lead_created_late_on_the_last_day_counts_in_the_managers_time_zone(world):
    tokyo = dt.timezone(dt.timedelta(hours=9))
    # 31 March 23:30 in Tokyo is 14:30 UTC: inside the quarter in Tokyo.
    world.leads.L6.created_at = dt.datetime(2026, 3, 31, 14, 30, tzinfo=UTC)
    world.leads.L6.save()
    in_tokyo = DashboardFilter.for_dates(FIRST_DAY, LAST_DAY, time_zone=tokyo)
    # 1 April 00:30 in Tokyo is still 31 March in UTC, but outside the Tokyo quarter.
    world.leads.L5.created_at = dt.datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    world.leads.L5.save()

    assert funnel(in_tokyo).by_campaign[0].leads == 5


# Touches and responses per channel


def test_channel_ledger_counts_touches_planned_done_and_skipped_in_the_period(world, quarter):
    ledger = channel_touches(quarter).ledger

    assert [(row.label, row.planned, row.done, row.skipped) for row in ledger] == [
        ("Call", 2, 1, 0),
        ("Email", 0, 0, 1),
        ("Personal email", 0, 0, 0),
        ("Letter", 1, 0, 0),
        ("Task", 0, 0, 0),
        ("Ads", 0, 0, 0),
    ]


def test_channel_responses_per_channel(world, quarter):
    responses = channel_touches(quarter).responses

    assert (responses.calls, responses.connected, responses.meetings) == (5, 3, 1)
    assert (responses.emails, responses.opened, responses.clicked, responses.replied) == (
        82,
        41,
        24,
        1,
    )
    # N1's letter in February and L1's and G1's in March; only L1 answered (a web visit).
    assert (responses.letters, responses.letters_answered) == (3, 1)


def test_channel_responses_for_one_campaign(world):
    result = channel_touches(world.only(world.expo))

    assert [(row.planned, row.done, row.skipped) for row in result.ledger] == [
        (2, 1, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
    ]
    responses = result.responses
    assert (responses.calls, responses.connected, responses.meetings) == (3, 2, 1)
    assert (responses.emails, responses.opened, responses.clicked, responses.replied) == (
        2,
        1,
        0,
        1,
    )
    assert (responses.letters, responses.letters_answered) == (1, 1)


def test_a_response_more_than_30_days_after_a_letter_is_no_answer(world, quarter):
    world.leads.L1.interactions.filter(kind="web_visit").update(
        occurred_at=dt.datetime(2026, 4, 9, 10, 1, tzinfo=UTC)  # 30 days and a minute
    )

    assert channel_touches(quarter).responses.letters_answered == 0
    assert print_runs_mailed(quarter).answered == 0


# Rep activity


def test_rep_activity_counts_each_reps_calls_and_leads(world, quarter):
    activity = rep_activity(quarter)

    numbers = [
        (rep.username, rep.calls, rep.connected, rep.meetings, rep.voicemail, rep.no_answer)
        for rep in activity.reps
    ]
    assert numbers == [("alice", 3, 2, 1, 0, 1), ("bob", 2, 1, 0, 1, 0)]
    assert [rep.leads_owned for rep in activity.reps] == [4, 2]
    assert activity.reps[0].connect_rate == pytest.approx(200 / 3)


def test_calls_logged_from_the_queue_count_by_their_outcome_codes(rep_alice, quarter):
    with time_machine.travel(IN_RANGE, tick=False):
        for outcome in (CallOutcome.INTERESTED, CallOutcome.MEETING, CallOutcome.VOICEMAIL):
            lead = CallableLeadFactory(owner=rep_alice)
            touch = TouchFactory(lead=lead, assigned_to=rep_alice)
            call_log_outcome(touch=touch, user=rep_alice, outcome=outcome)
        InteractionFactory(  # free text from before outcomes were codes: not counted
            kind=Interaction.Kind.CALL, user=rep_alice, outcome="Connected", occurred_at=IN_RANGE
        )

    responses = channel_touches(quarter).responses
    assert (responses.calls, responses.connected, responses.meetings) == (4, 2, 1)
    [alice] = rep_activity(quarter).reps
    assert (alice.calls, alice.connected, alice.meetings, alice.voicemail) == (4, 2, 1, 1)


def test_rep_activity_per_week_covers_every_week_of_the_period(world, quarter):
    weeks = rep_activity(quarter).weeks

    assert [week.week for week in weeks] == mondays(quarter)
    assert (weeks[0].week, weeks[-1].week) == (dt.date(2025, 12, 29), dt.date(2026, 3, 30))
    busy = [(week.week, week.calls, week.connected) for week in weeks if week.calls]
    assert busy == [
        (dt.date(2026, 2, 2), 3, 2),
        (dt.date(2026, 2, 9), 1, 0),
        (dt.date(2026, 3, 2), 1, 1),
    ]


def test_rep_activity_for_one_campaign(world):
    activity = rep_activity(world.only(world.expo))

    assert [(rep.username, rep.calls, rep.connected, rep.leads_owned) for rep in activity.reps] == [
        ("alice", 2, 2, 4),
        ("bob", 1, 0, 0),
    ]


# Cadences


def test_cadence_performance_with_its_ab_verdicts_calls_and_meetings(world, quarter):
    [cadence] = cadence_performance(quarter)

    assert (cadence.name, cadence.sent, cadence.opened, cadence.clicked, cadence.replied) == (
        "Welcome",
        82,
        41,
        24,
        1,
    )
    assert (cadence.unsubscribed, cadence.calls, cadence.meetings) == (1, 1, 1)
    [test] = cadence.tests
    assert test.position == 1
    assert [(v.label, v.sent, v.opened, v.clicked) for v in test.variants] == [
        ("A", 40, 20, 4),
        ("B", 40, 20, 20),
    ]
    assert test.verdicts == [
        ("opens", NO_WINNER),
        ("clicks", "B leads on clicks, 99% confidence"),
        ("replies", NO_WINNER),
    ]


def test_cadence_performance_for_one_campaign(world):
    [cadence] = cadence_performance(world.only(world.expo))

    assert (cadence.sent, cadence.opened, cadence.clicked, cadence.replied) == (2, 1, 0, 1)
    assert (cadence.unsubscribed, cadence.calls, cadence.meetings) == (1, 1, 1)
    [test] = cadence.tests
    assert [variant.sent for variant in test.variants] == [0, 0]
    assert {verdict for _, verdict in test.verdicts} == {NO_WINNER}


def test_no_cadences_when_nothing_happened(world):
    assert cadence_performance(world.only(world.giveaway)) == []


def test_a_meeting_outside_the_enrolment_or_the_period_is_not_the_cadences(world):
    """L4's meeting (5 February) and meeting call (3 February) fell while it was in
    the cadence; moved to before its enrolment, or outside the period, they do not
    count."""
    Enrolment.objects.filter(lead=world.leads.L4).update(enrolled_at=at(2, 6))
    assert cadence_performance(world.only(world.expo))[0].meetings == 0

    february = DashboardFilter.for_dates(dt.date(2026, 2, 1), dt.date(2026, 2, 28), time_zone=UTC)
    Enrolment.objects.filter(lead=world.leads.L4).update(enrolled_at=at(1, 2))
    assert cadence_performance(february)[0].meetings == 1
    march = DashboardFilter.for_dates(dt.date(2026, 3, 1), dt.date(2026, 3, 31), time_zone=UTC)
    assert [row.meetings for row in cadence_performance(march)] == [0]


def test_an_enrolment_ended_by_a_meeting_counts_when_it_ended(world, quarter):
    Enrolment.objects.filter(lead=world.leads.L4).update(enrolled_at=at(3, 20), ended_at=None)
    ended = Enrolment.objects.get(lead=world.leads.L2)
    Enrolment.objects.filter(pk=ended.pk).update(
        status=Enrolment.Status.EXITED, ended_at=at(3, 2), exit_reason="A meeting is booked"
    )

    assert cadence_performance(quarter)[0].meetings == 1  # L2's; L4's came before its enrolment


# Print runs


def test_print_runs_mailed_in_the_period(world, quarter):
    result = print_runs_mailed(quarter)

    assert [(run.name, run.template, run.letters, run.answered) for run in result.runs] == [
        ("March letters", "Thank you", 2, 1)
    ]
    assert result.runs[0].mailed_by == "Maria Manager"
    assert (result.letters, result.answered) == (2, 1)
    assert [count for monday, count in result.weeks if count] == [2]
    assert dict(result.weeks)[dt.date(2026, 3, 9)] == 2


def test_print_runs_for_one_campaign_count_only_its_letters(world):
    expo = print_runs_mailed(world.only(world.expo))
    giveaway = print_runs_mailed(world.only(world.giveaway))

    assert [(run.letters, run.answered) for run in expo.runs] == [(1, 1)]
    assert [(run.letters, run.answered) for run in giveaway.runs] == [(1, 0)]


# Referrals


def test_referrals_in_the_period(world, quarter):
    result = referrals(quarter)

    assert (result.referred, result.customers, result.referrers) == (2, 1, 1)
    assert [(row.name, str(row.progress)) for row in result.top] == [
        ("L5 Known", "2 referred, 1 became a customer — 2 more for the reward")
    ]


def test_referrals_for_one_campaign_count_the_referred_leads_from_it(world):
    world.leads.R1.source_campaign = world.expo
    world.leads.R1.save()

    result = referrals(world.only(world.expo))

    assert (result.referred, result.customers) == (1, 1)


# Everything at once


def test_dashboard_runs_every_section_with_the_same_filters(world, quarter):
    everything = dashboard(quarter)

    assert everything.filters == quarter
    assert everything.funnel == funnel(quarter)
    assert everything.referrals == referrals(quarter)


def test_last_days_ends_today_in_the_time_zone():
    now = dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    berlin = dt.timezone(dt.timedelta(hours=2))

    filters = DashboardFilter.last_days(90, now=now, time_zone=berlin)

    assert filters.last_day == dt.date(2026, 4, 1)
    assert filters.start == dt.datetime(2026, 1, 2, tzinfo=berlin)
    assert filters.end == dt.datetime(2026, 4, 2, tzinfo=berlin)
