import datetime as dt

import pytest

from followups.cadences.models import Cadence, CadenceStep, Channel, WaitUnit
from mailings.cadences.builder.blocks import Day, step_days
from mailings.cadences.builder.page import CadenceBuilder

After = CadenceStep.After


def step(wait, unit, after=After.PREVIOUS, at=None) -> CadenceStep:
    return CadenceStep(
        channel=Channel.TASK, wait=wait, wait_unit=unit, wait_after=after, at_local_time=at
    )


def test_the_booth_visit_play_comes_on_about_days_1_2_5_and_7(db):
    booth = Cadence.objects.get(installed="booth_visit")

    days = step_days(list(booth.steps.all()))

    assert [str(day) for day in days] == [
        "About day 1",
        "About day 2",
        "About day 5",
        "About day 7",
    ]


@pytest.mark.parametrize(
    "steps, days",
    [
        ([step(0, WaitUnit.HOURS)], [Day(0, about=False)]),
        ([step(30, WaitUnit.HOURS), step(2, WaitUnit.DAYS)], [Day(1, False), Day(3, False)]),
        (
            [step(90, WaitUnit.MINUTES), step(1, WaitUnit.BUSINESS_DAYS)],
            [Day(0, False), Day(1, True)],
        ),
        # Counted from enrolment: the days start again, and so does "about".
        (
            [step(2, WaitUnit.BUSINESS_DAYS), step(3, WaitUnit.DAYS, After.ENROLMENT)],
            [Day(2, True), Day(3, False)],
        ),
        ([step(6, WaitUnit.MONTHS)], [Day(180, True)]),
        # A time of day may move it to the next day.
        ([step(1, WaitUnit.DAYS, at=dt.time(9))], [Day(1, True)]),
    ],
)
def test_a_steps_day_is_counted_from_the_waits(steps, days):
    assert step_days(steps) == days


def test_day_zero_is_the_day_they_enrol():
    assert str(Day(0, about=False)) == "Day 0"


def test_the_outcome_policies_start_from_the_defaults_and_what_the_cadence_set(db):
    booth = Cadence.objects.get(installed="booth_visit")

    builder = CadenceBuilder(cadence=booth)

    rows = {row.outcome: row for row in builder.policies}
    assert rows["no_answer"].form.initial["action"] == "next"  # the play's own
    assert rows["no_answer"].stored
    assert (
        rows["no_answer"].default_text == "Try the step again: 3 tries in all, 1 business day apart"
    )
    assert rows["meeting"].form.initial["action"] == "finish"  # the default
    assert not rows["meeting"].stored
    assert "call_back" not in rows  # always tries again at the time asked
