"""Lead scores: points per kind, halving every half-life, recomputed as
interactions arrive, as time passes, and when a manager changes a rule."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import jobs, periodic
from crm.models import Interaction, Lead
from crm.scoring.decay import decayed_points, round_score
from crm.scoring.models import ScoringRule
from crm.scoring.services import (
    KIND_TAKEN,
    decayed_scores,
    scores_decay,
    scores_recompute,
    scores_update,
    scoring_rule_save,
)
from crm.services import interaction_record
from tests.factories import InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
Kind = Interaction.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def happened(lead: Lead, kind: str, days_ago: float) -> Interaction:
    """An interaction written straight to the table: no hooks, no rescoring."""
    return InteractionFactory(lead=lead, kind=kind, occurred_at=NOW - days_ago * DAY)


def stored_score(lead: Lead) -> int:
    lead.refresh_from_db()
    return lead.score


# The arithmetic


@pytest.mark.parametrize(
    ("points", "half_life", "days", "expected"),
    [
        (20, 60, 0, 20.0),
        (20, 60, 60, 10.0),  # one half-life: half
        (20, 60, 120, 5.0),  # two: a quarter
        (50, 180, 90, 50 * 2**-0.5),  # half a half-life: 1/sqrt(2)
        (-10, 0, 4000, -10.0),  # a half-life of 0 never decays
        (20, 60, -3, 20.0),  # dated in the future: counts as new
    ],
)
def test_points_halve_every_half_life(points, half_life, days, expected):
    assert decayed_points(points, half_life, days * DAY) == pytest.approx(expected)


def test_scores_round_halves_up():
    assert [round_score(x) for x in (2.5, 2.49, -2.5, -2.51, 35.36)] == [3, 2, -2, -3, 35]


# Known interactions at known ages give an exact score


def test_the_score_sums_each_interactions_decayed_points():
    lead = LeadFactory()
    happened(lead, Kind.BOOTH_VISIT, days_ago=60)  # 20 -> 10
    happened(lead, Kind.BOOTH_VISIT, days_ago=0)  # 20
    happened(lead, Kind.PURCHASE, days_ago=180)  # 50 -> 25
    happened(lead, Kind.EMAIL_BOUNCED, days_ago=400)  # -10, never fades
    happened(lead, Kind.NOTE, days_ago=1)  # no rule: nothing

    scores_update(lead_ids=[lead.pk], now=NOW)

    assert stored_score(lead) == 10 + 20 + 25 - 10
    assert lead.score_computed_at == NOW


def test_the_database_and_python_agree_on_the_decay():
    lead = LeadFactory()
    ScoringRule.objects.filter(kind=Kind.MEETING).update(points=40, half_life_days=90)
    happened(lead, Kind.MEETING, days_ago=45)  # 40 / sqrt(2) = 28.28
    happened(lead, Kind.WEB_VISIT, days_ago=7)  # 1 / sqrt(2) = 0.71

    expected = decayed_points(40, 90, 45 * DAY) + decayed_points(1, 14, 7 * DAY)
    assert decayed_scores([lead.pk], NOW) == {lead.pk: round_score(expected)} == {lead.pk: 29}


def test_very_old_interactions_score_nothing_without_an_error():
    lead = LeadFactory()
    happened(lead, Kind.CART_ADD, days_ago=20 * 365)  # thousands of half-lives

    scores_update(lead_ids=[lead.pk], now=NOW)

    assert stored_score(lead) == 0


def test_an_inactive_rule_scores_nothing():
    lead = LeadFactory()
    happened(lead, Kind.BOOTH_VISIT, days_ago=0)
    ScoringRule.objects.filter(kind=Kind.BOOTH_VISIT).update(is_active=False)

    scores_update(lead_ids=[lead.pk], now=NOW)

    assert stored_score(lead) == 0


# Incremental: only the leads that got interactions


def test_an_interaction_rescores_its_lead_and_no_other():
    lead, bystander = LeadFactory(), LeadFactory()
    happened(lead, Kind.BOOTH_VISIT, days_ago=60)  # 10, not scored yet
    happened(bystander, Kind.PURCHASE, days_ago=0)  # 50, not scored yet

    interaction_record(lead=lead, kind=Kind.CONTENT_DOWNLOAD, source="test")  # + 10

    assert stored_score(lead) == 20
    assert lead.score_computed_at == NOW
    assert stored_score(bystander) == 0
    assert bystander.score_computed_at is None


def test_interactions_recorded_in_bulk_rescore_their_leads_in_one_pass():
    leads = LeadFactory.create_batch(30)
    ids = [happened(lead, Kind.GIVEAWAY_ENTRY, days_ago=0).pk for lead in leads]

    with CaptureQueriesContext(connection) as queries:
        jobs.interactions_recorded(ids)

    sums = [q for q in queries.captured_queries if "r.half_life_days" in q["sql"]]
    assert len(sums) == 1
    assert {stored_score(lead) for lead in leads} == {5}


def test_rescoring_a_batch_costs_the_same_for_few_and_many_leads(django_assert_num_queries):
    few, many = LeadFactory.create_batch(2), LeadFactory.create_batch(200)
    for lead in few + many:
        happened(lead, Kind.BOOTH_VISIT, days_ago=0)

    # savepoint, lock the leads' open calls, lock the leads, sum their points,
    # write their scores, move their calls' priority, release
    with django_assert_num_queries(7):
        scores_update(lead_ids=[lead.pk for lead in few], now=NOW)
    with django_assert_num_queries(7):
        scores_update(lead_ids=[lead.pk for lead in many], now=NOW)
    assert {stored_score(lead) for lead in few + many} == {20}


# Decay with time alone: the periodic task


def test_the_hourly_task_decays_stale_scores(clock):
    lead = LeadFactory()
    interaction_record(lead=lead, kind=Kind.BOOTH_VISIT, source="test")
    assert stored_score(lead) == 20

    later = NOW + 60 * DAY
    clock.move_to(later)
    assert "scores_decay" in periodic.enqueue_due(later)  # jobs run inline in tests

    assert stored_score(lead) == 10
    assert lead.score_computed_at == later


def test_the_decay_skips_fresh_scores_and_settled_zeros():
    fresh, zero, never = LeadFactory(), LeadFactory(), LeadFactory()
    for lead in (fresh, zero):
        happened(lead, Kind.BOOTH_VISIT, days_ago=0)
    scores_update(lead_ids=[fresh.pk], now=NOW - dt.timedelta(hours=1))
    Lead.objects.filter(pk=zero.pk).update(score=0, score_computed_at=NOW - 30 * DAY)
    happened(never, Kind.PURCHASE, days_ago=180)

    rescored = scores_decay(now=NOW)

    assert rescored == 1  # only the lead never scored
    assert stored_score(never) == 25
    fresh.refresh_from_db()
    assert fresh.score_computed_at == NOW - dt.timedelta(hours=1)
    assert stored_score(zero) == 0  # a 0 has nothing to decay


def test_the_decay_walks_every_stale_lead_in_batches(monkeypatch):
    from crm.scoring import services

    monkeypatch.setattr(services, "BATCH", 7)
    leads = LeadFactory.create_batch(20)
    for lead in leads:
        happened(lead, Kind.MEETING, days_ago=90)  # 40 -> 20

    assert scores_decay(now=NOW) == 20
    assert {stored_score(lead) for lead in leads} == {20}


# A manager changes a rule


def test_changing_a_rule_rescores_the_leads_with_its_kind():
    visitor, buyer = LeadFactory(), LeadFactory()
    happened(visitor, Kind.BOOTH_VISIT, days_ago=0)
    happened(buyer, Kind.PURCHASE, days_ago=0)
    scores_update(lead_ids=[visitor.pk, buyer.pk], now=NOW)
    ScoringRule.objects.filter(kind=Kind.BOOTH_VISIT).update(points=35)

    assert scores_recompute(kinds=[Kind.BOOTH_VISIT], now=NOW) == 1

    assert (stored_score(visitor), stored_score(buyer)) == (35, 50)


def test_saving_a_rule_for_a_kind_that_has_one_is_a_field_error_not_a_crash():
    """The database's unique kind answers when two managers add the same kind at
    once (the second form saw no rule for it)."""
    with pytest.raises(ValidationError) as raised:
        scoring_rule_save(kind=Kind.BOOTH_VISIT, points=5, half_life_days=0, is_active=True)

    assert raised.value.message_dict == {"kind": [KIND_TAKEN]}
    assert ScoringRule.objects.get(kind=Kind.BOOTH_VISIT).points == 20  # still usable


def test_a_rule_given_with_its_new_kind_set_still_rescores_its_old_kind():
    """As the admin's form hands it over: the old kind is read from the table."""
    visitor = LeadFactory()
    happened(visitor, Kind.BOOTH_VISIT, days_ago=0)
    scores_update(lead_ids=[visitor.pk], now=NOW)
    rule = ScoringRule.objects.get(kind=Kind.BOOTH_VISIT)
    rule.kind = Kind.MEETING  # no longer in the table
    ScoringRule.objects.filter(kind=Kind.MEETING).delete()

    scoring_rule_save(rule=rule, kind=Kind.MEETING, points=20, half_life_days=60, is_active=True)

    assert stored_score(visitor) == 0


def test_an_audience_by_score_follows_the_decay(clock, manager_maria):
    from crm.audiences.services import audience_save

    lead = LeadFactory()
    interaction_record(lead=lead, kind=Kind.BOOTH_VISIT, source="test")  # 20
    keen = audience_save(
        name="Keen",
        definition={"match": "all", "rules": [{"type": "score", "min": 15}]},
        is_active=True,
        by=manager_maria,
    )
    assert list(keen.members.values_list("lead_id", flat=True)) == [lead.pk]

    clock.move_to(NOW + 60 * DAY)
    scores_decay(now=NOW + 60 * DAY)  # 10

    assert not keen.members.exists()
