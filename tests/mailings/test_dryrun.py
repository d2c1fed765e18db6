import datetime as dt

import pytest
from mailings.drips import enrolment_create, enrolments_stop, variant_for
from mailings.dryrun import drip_dry_run

from crm.models import Lead
from followups.models import Channel, Holiday, Touch
from mailings.consent import suppression_add
from mailings.models import DripStep, Suppression
from tests.followups.factories import TouchFactory
from tests.mailings.conftest import NOW
from tests.mailings.factories import (
    ConsentingLeadFactory,
    DripStepFactory,
    StepVariantFactory,
    drip_with_steps,
)

# NOW is Tuesday 10 March 2026, 11:00 in New York; send window Mon-Fri 08:00-18:00,
# cap 3 marketing touches in 7 days (the defaults).
pytestmark = pytest.mark.usefixtures("clock")
HOUR = dt.timedelta(hours=1)


def enrol(drip, **lead_fields) -> Lead:
    lead = ConsentingLeadFactory(**lead_fields)
    assert enrolment_create(drip=drip, lead=lead, source="test") is not None
    return lead


def summary(run) -> list[tuple]:
    return [
        (row.lead.first_name, row.step.position, row.at, row.held, row.skipped) for row in run.rows
    ]


def test_each_enrolment_gets_its_planned_email_and_the_later_steps_by_their_delays(db):
    drip = drip_with_steps(0, 24, 48)
    enrol(drip, first_name="Ada")

    run = drip_dry_run(drip)

    assert summary(run) == [
        ("Ada", 1, NOW, "", ""),
        ("Ada", 2, NOW + 24 * HOUR, "", ""),
        ("Ada", 3, NOW + 72 * HOUR, "", ""),
    ]
    assert [row.planned for row in run.rows] == [True, False, False]
    assert run.rows[1].local_time == "Wed 11 Mar 11:00 (America/New_York)"
    assert run.rows[1].variant.label == "A"


def test_only_the_next_14_days_are_shown(db):
    drip = drip_with_steps(0, 24 * 10, 24 * 10)
    enrol(drip, first_name="Ada")

    run = drip_dry_run(drip)

    assert [row.step.position for row in run.rows] == [1, 2]
    assert run.horizon == NOW + dt.timedelta(days=14)


def test_a_lead_without_consent_is_skipped_and_gets_nothing_after(db):
    drip = drip_with_steps(0, 24)
    enrol(drip, first_name="Ben", email_consent=Lead.EmailConsent.NONE)
    suppressed = enrol(drip, first_name="Cy")
    suppression_add(email=suppressed.email, reason=Suppression.Reason.BOUNCED, source="test")

    run = drip_dry_run(drip)

    assert sorted(summary(run)) == [
        ("Ben", 1, NOW, "", "No email consent"),
        ("Cy", 1, NOW, "", "The address is on the suppression list"),
    ]


def test_outside_the_send_window_an_email_is_held_until_it_opens(db):
    drip = drip_with_steps(0)
    enrol(drip, first_name="Kenji", time_zone="Asia/Tokyo")  # after midnight there

    (row,) = drip_dry_run(drip).rows

    assert row.held == "Outside the lead's send window"
    assert row.at == dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)  # 08:00 Wednesday, Tokyo
    assert row.local_time == "Wed 11 Mar 08:00 (Asia/Tokyo)"


def test_the_frequency_cap_holds_an_email_until_the_oldest_touch_leaves_the_period(db):
    drip = drip_with_steps(0)
    lead = enrol(drip, first_name="Ada")
    for days_ago in (6, 2, 1):
        TouchFactory(
            lead=lead,
            channel=Channel.EMAIL,
            status=Touch.Status.DONE,
            completed_at=NOW - dt.timedelta(days=days_ago),
        )

    (row,) = drip_dry_run(drip).rows

    assert row.held == "3 marketing touches in 7 days"
    assert row.at == NOW + dt.timedelta(days=1)  # Wednesday 11:00, inside the window


def test_the_drips_own_emails_count_towards_the_cap(db):
    drip = drip_with_steps(0, 1, 1, 1)
    enrol(drip, first_name="Ada")

    rows = drip_dry_run(drip).rows

    assert [row.held for row in rows] == ["", "", "", "3 marketing touches in 7 days"]
    assert rows[3].at == NOW + dt.timedelta(days=7)


def test_business_days_skip_the_weekend_and_holidays_in_the_leads_country(db):
    drip = drip_with_steps(0)
    DripStepFactory(drip=drip, position=2, delay=3, delay_unit=DripStep.Unit.BUSINESS_DAYS)
    StepVariantFactory(step=drip.steps.get(position=2))
    Holiday.objects.create(date=dt.date(2026, 3, 12), name="A holiday", country="US")
    Holiday.objects.create(date=dt.date(2026, 3, 11), name="Elsewhere", country="DE")
    enrol(drip, first_name="Ada")

    rows = drip_dry_run(drip).rows

    # Wed 11 (a German holiday only), Fri 13, Mon 16: Thursday is off in the US.
    assert rows[1].at == dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC)


def test_a_step_counted_from_enrolment_never_goes_before_the_step_before_it(db):
    drip = drip_with_steps(48)
    DripStepFactory(drip=drip, position=2, delay=24, delay_after=DripStep.After.ENROLMENT)
    StepVariantFactory(step=drip.steps.get(position=2))
    enrol(drip, first_name="Ada")

    rows = drip_dry_run(drip).rows

    assert [row.at for row in rows] == [NOW + 48 * HOUR, NOW + 48 * HOUR]


def test_stopped_enrolments_have_nothing_to_send(db):
    drip = drip_with_steps(0, 24)
    lead = enrol(drip, first_name="Ada")
    enrolments_stop(lead=lead, reason="Removed")

    assert drip_dry_run(drip).rows == []


def test_an_ab_step_shows_the_variant_each_lead_would_get(db):
    drip = drip_with_steps(0, 24)
    StepVariantFactory(step=drip.steps.get(position=2), label="B", subject="Other subject")
    leads = [enrol(drip, first_name=f"Lead {n}") for n in range(20)]

    rows = [row for row in drip_dry_run(drip).rows if row.step.position == 2]

    step = DripStep.objects.prefetch_related("variants").get(drip=drip, position=2)
    assert {row.variant.label for row in rows} == {"A", "B"}
    assert {row.lead.pk: row.variant.label for row in rows} == {
        lead.pk: variant_for(step, lead).label for lead in leads
    }


def test_the_rows_are_the_soonest_and_the_total_counts_them_all(db):
    drip = drip_with_steps(0, 24)
    for n in range(3):
        enrol(drip, first_name=f"Lead {n}")

    run = drip_dry_run(drip, limit=4)

    assert run.total == 6
    assert [row.at for row in run.rows] == [NOW, NOW, NOW, NOW + 24 * HOUR]


def test_the_dry_run_costs_the_same_queries_for_any_number_of_enrolments(
    db, django_assert_num_queries
):
    drip = drip_with_steps(0, 24, 48)
    DripStep.objects.filter(drip=drip, position=3).update(
        delay=2, delay_unit=DripStep.Unit.BUSINESS_DAYS
    )
    enrol(drip, first_name="Ada")
    with django_assert_num_queries(6):
        drip_dry_run(drip)

    for n in range(10):
        enrol(drip, first_name=f"Lead {n}")
    with django_assert_num_queries(6):
        assert drip_dry_run(drip).total == 33
