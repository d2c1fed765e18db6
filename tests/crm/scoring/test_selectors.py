"""Why a lead has its score: the breakdown per kind, and the lead page's panel."""

import datetime as dt

import pytest
import time_machine

from crm.models import Interaction
from crm.scoring.selectors import score_breakdown
from crm.scoring.services import scores_update
from tests.factories import InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
Kind = Interaction.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lead(rep_alice):
    """Two booth visits (20 and 10 now), a purchase half a year ago (25 now), a
    bounce (-10 for good), a note (no rule)."""
    lead = LeadFactory(owner=rep_alice, first_name="Dana", last_name="Buyer")
    for kind, days_ago in [
        (Kind.BOOTH_VISIT, 0),
        (Kind.BOOTH_VISIT, 60),
        (Kind.PURCHASE, 180),
        (Kind.EMAIL_BOUNCED, 30),
        (Kind.NOTE, 1),
    ]:
        InteractionFactory(lead=lead, kind=kind, occurred_at=NOW - days_ago * DAY)
    return lead


def test_the_breakdown_gives_count_points_and_last_time_per_kind(lead):
    breakdown = score_breakdown(lead, NOW)

    rows = [
        (line.kind, line.count, line.raw_points, line.points_now_rounded, line.last_at)
        for line in breakdown.lines
    ]
    assert rows == [
        (Kind.BOOTH_VISIT, 2, 40, 30, NOW),
        (Kind.PURCHASE, 1, 50, 25, NOW - 180 * DAY),
        (Kind.EMAIL_BOUNCED, 1, -10, -10, NOW - 30 * DAY),
    ]
    assert breakdown.total == 45
    assert str(breakdown) == (
        "Score 45: 2 booth visits (+30), 1 purchase (+25), 1 bounced email (-10)"
    )


def test_the_breakdown_adds_up_to_the_stored_score(lead):
    scores_update(lead_ids=[lead.pk], now=NOW)
    lead.refresh_from_db()

    assert score_breakdown(lead, NOW).total == lead.score == 45


def test_a_lead_with_nothing_scored_has_an_empty_breakdown():
    breakdown = score_breakdown(LeadFactory(), NOW)

    assert (breakdown.lines, breakdown.total, str(breakdown)) == ([], 0, "Score 0")


def test_the_lead_page_shows_why_the_lead_has_its_score(alice, lead):
    text = alice.get(lead.get_absolute_url()).text

    assert "Score 45" in text
    assert "2 booth visits <strong>(+30)</strong>" in text
    assert "1 purchase <strong>(+25)</strong>" in text
    assert "1 bounced email <strong>(-10)</strong>" in text
