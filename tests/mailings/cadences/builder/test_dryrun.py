import datetime as dt

import pytest

from crm.models import Lead
from followups.cadences.models import Channel, Enrolment, WaitUnit
from followups.cadences.services import enrolment_create, enrolments_exit, enrolments_pause
from followups.calling_hours import calling_hours
from followups.models import Holiday, Touch
from mailings.cadences.builder.dryrun import cadence_dry_run
from mailings.consent.services import suppression_add
from mailings.email.steps import variant_for
from mailings.models import Suppression
from tests.followups.factories import TouchFactory
from tests.mailings.cadences.builder.factories import ReachableLeadFactory, add_step, cadence_of
from tests.mailings.conftest import NOW
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence

# NOW is Tuesday 10 March 2026, 11:00 in New York; send window Mon-Fri 08:00-18:00,
# cap 3 marketing touches in 7 days, calling hours from 09:00 (the defaults).
pytestmark = pytest.mark.usefixtures("clock")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
HOURS, DAYS, BUSINESS_DAYS = WaitUnit.HOURS, WaitUnit.DAYS, WaitUnit.BUSINESS_DAYS


def enrol(cadence, factory=ConsentingLeadFactory, **lead_fields) -> Lead:
    lead = factory(**lead_fields)
    assert enrolment_create(cadence=cadence, lead=lead, source="test") is not None
    return lead


def summary(run) -> list[tuple]:
    return [
        (row.lead.first_name, row.step.position, row.channel, row.at, row.held, row.skipped)
        for row in run.rows
    ]


def test_each_enrolment_gets_its_planned_email_and_the_later_steps_by_their_waits(db):
    cadence = email_cadence(0, 24, 48)
    enrol(cadence, first_name="Ada")

    run = cadence_dry_run(cadence)

    assert summary(run) == [
        ("Ada", 1, "email", NOW, "", ""),
        ("Ada", 2, "email", NOW + 24 * HOUR, "", ""),
        ("Ada", 3, "email", NOW + 72 * HOUR, "", ""),
    ]
    assert [row.planned for row in run.rows] == [True, False, False]
    assert run.rows[1].local_time == "Wed 11 Mar 11:00 (America/New_York)"
    assert run.rows[1].variant.label == "A"


def test_every_channel_comes_at_its_time_with_what_it_sends(db):
    cadence = cadence_of(
        (Channel.CALL, 0, HOURS),
        (Channel.EMAIL, 1, DAYS),
        (Channel.PERSONAL_EMAIL, 1, DAYS),
        (Channel.LETTER, 1, DAYS),
        (Channel.TASK, 1, DAYS),
    )
    enrol(cadence, ReachableLeadFactory, first_name="Ada")

    run = cadence_dry_run(cadence)

    assert summary(run) == [
        ("Ada", 1, "call", NOW, "", ""),
        ("Ada", 2, "email", NOW + DAY, "", ""),
        ("Ada", 3, "personal_email", NOW + 2 * DAY, "", ""),
        ("Ada", 4, "letter", NOW + 3 * DAY, "", ""),
        ("Ada", 5, "task", NOW + 4 * DAY, "", ""),
    ]
    letter = cadence.steps.get(position=4).letter
    assert run.rows[3].template == letter.template
    assert run.rows[2].variant.step.position == 3
    assert (run.total, run.skipped) == (5, 0)


def test_what_cannot_be_done_is_skipped_with_the_engines_reason_and_the_cadence_goes_on(db):
    cadence = cadence_of(
        (Channel.EMAIL, 0, HOURS),
        (Channel.CALL, 1, DAYS),
        (Channel.PERSONAL_EMAIL, 1, DAYS),
        (Channel.LETTER, 1, DAYS),
        (Channel.TASK, 1, DAYS),
    )
    enrol(cadence, first_name="Ben", email_consent=Lead.EmailConsent.NONE, phone="")

    run = cadence_dry_run(cadence)

    assert summary(run) == [
        ("Ben", 1, "email", NOW, "", "No email consent"),
        # A call they may not get is skipped as it is planned: the next step counts from then.
        ("Ben", 2, "call", NOW, "", "There is no phone number"),
        ("Ben", 3, "personal_email", NOW + DAY, "", "No email consent"),
        ("Ben", 4, "letter", NOW + 2 * DAY, "", run.rows[3].skipped),
        ("Ben", 5, "task", NOW + 3 * DAY, "", ""),
    ]
    assert run.rows[3].skipped.startswith("Incomplete address: ")
    assert run.skipped == 4


@pytest.mark.parametrize(
    "lead_fields, reason",
    [
        ({"do_not_call": True}, "They asked not to be called"),
        ({"phone_invalid": True}, "The number is wrong"),
        ({"calls_paused_until": NOW + 30 * DAY}, "Calls to them are paused"),
    ],
)
def test_a_call_they_may_not_get_says_why(db, lead_fields, reason):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.CALL, 1, BUSINESS_DAYS))
    enrol(cadence, ReachableLeadFactory, first_name="Cy", **lead_fields)

    (_, call) = cadence_dry_run(cadence).rows

    assert call.skipped == reason


def test_a_letter_to_someone_who_asked_for_none_is_skipped(db):
    cadence = cadence_of((Channel.LETTER, 0, HOURS))
    enrol(cadence, ReachableLeadFactory, first_name="Di", do_not_mail=True)

    (row,) = cadence_dry_run(cadence).rows

    assert row.skipped == "Do not mail"


def test_a_suppressed_address_gets_no_email(db):
    cadence = email_cadence(0)
    lead = enrol(cadence, first_name="Cy")
    suppression_add(email=lead.email, reason=Suppression.Reason.BOUNCED, source="test")

    (row,) = cadence_dry_run(cadence).rows

    assert row.skipped == "The address is on the suppression list"


def test_only_the_next_14_days_are_shown(db):
    cadence = email_cadence(0, 24 * 10, 24 * 10)
    enrol(cadence, first_name="Ada")

    run = cadence_dry_run(cadence)

    assert [row.step.position for row in run.rows] == [1, 2]
    assert run.horizon == NOW + dt.timedelta(days=14)


def test_outside_the_send_window_an_email_is_held_until_it_opens(db):
    cadence = email_cadence(0)
    enrol(cadence, first_name="Kenji", time_zone="Asia/Tokyo")  # after midnight there

    (row,) = cadence_dry_run(cadence).rows

    assert row.held == "Outside the lead's send window"
    assert row.at == dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)  # 08:00 Wednesday, Tokyo
    assert row.local_time == "Wed 11 Mar 08:00 (Asia/Tokyo)"


def test_a_personal_email_is_the_reps_to_send_whatever_the_window(db):
    cadence = cadence_of((Channel.PERSONAL_EMAIL, 0, HOURS))
    enrol(cadence, first_name="Kenji", time_zone="Asia/Tokyo")

    (row,) = cadence_dry_run(cadence).rows

    assert (row.at, row.held, row.skipped) == (NOW, "", "")


def test_the_frequency_cap_holds_an_email_until_the_oldest_touch_leaves_the_period(db):
    cadence = email_cadence(0)
    lead = enrol(cadence, first_name="Ada")
    for days_ago in (6, 2, 1):
        TouchFactory(
            lead=lead,
            channel=Channel.EMAIL,
            status=Touch.Status.DONE,
            completed_at=NOW - dt.timedelta(days=days_ago),
        )

    (row,) = cadence_dry_run(cadence).rows

    assert row.held == "3 marketing touches in 7 days"
    assert row.at == NOW + DAY  # Wednesday 11:00, inside the window


def test_the_cadences_own_emails_and_letters_count_towards_the_cap(db):
    cadence = cadence_of(
        (Channel.EMAIL, 0, HOURS),
        (Channel.LETTER, 1, HOURS),
        (Channel.EMAIL, 1, HOURS),
        (Channel.EMAIL, 1, HOURS),
    )
    enrol(cadence, ReachableLeadFactory, first_name="Ada")

    rows = cadence_dry_run(cadence).rows

    assert [row.held for row in rows] == ["", "", "", "3 marketing touches in 7 days"]
    assert rows[3].at == NOW + dt.timedelta(days=7)


def test_business_days_skip_the_weekend_and_holidays_in_the_leads_country(db):
    cadence = cadence_of((Channel.EMAIL, 0, HOURS), (Channel.EMAIL, 3, BUSINESS_DAYS))
    Holiday.objects.create(date=dt.date(2026, 3, 12), name="A holiday", country="US")
    Holiday.objects.create(date=dt.date(2026, 3, 11), name="Elsewhere", country="DE")
    enrol(cadence, first_name="Ada")

    rows = cadence_dry_run(cadence).rows

    # Wed 11 (a German holiday only), Fri 13, Mon 16: Thursday is off in the US.
    assert rows[1].at == dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC)


def test_a_call_the_next_business_day_comes_when_calling_hours_open(db):
    cadence = cadence_of((Channel.TASK, 0, HOURS), (Channel.CALL, 1, BUSINESS_DAYS))
    enrol(cadence, ReachableLeadFactory, first_name="Ada")

    (_, call) = cadence_dry_run(cadence).rows

    assert call.local_time == "Wed 11 Mar 09:00 (America/New_York)"


def test_a_step_counted_from_enrolment_never_goes_before_the_step_before_it(db):
    cadence = email_cadence(48)
    add_step(cadence, Channel.EMAIL, wait=24, wait_after="enrolment")
    enrol(cadence, first_name="Ada")

    rows = cadence_dry_run(cadence).rows

    assert [row.at for row in rows] == [NOW + 48 * HOUR, NOW + 48 * HOUR]


def test_a_repeating_step_comes_again_until_the_horizon(db):
    cadence = cadence_of((Channel.TASK, 0, HOURS))
    add_step(cadence, Channel.TASK, wait=5, unit=DAYS, repeat_from=2)
    enrol(cadence, first_name="Ada")

    rows = cadence_dry_run(cadence).rows

    assert [(row.step.position, row.at) for row in rows] == [
        (1, NOW),
        (2, NOW + 5 * DAY),
        (2, NOW + 10 * DAY),
    ]


def test_ended_and_paused_enrolments_have_nothing_coming(db, manager_maria):
    cadence = email_cadence(0, 24)
    ended = enrol(cadence, first_name="Ada")
    enrolments_exit(lead=ended, reason="Removed")
    paused = enrol(cadence, first_name="Ben")
    enrolments_pause(enrolments=Enrolment.objects.filter(lead=paused), by=manager_maria)

    assert cadence_dry_run(cadence).rows == []


def test_an_ab_step_shows_the_variant_each_lead_would_get(db):
    cadence = email_cadence(0, 24)
    step = cadence.steps.get(position=2)
    StepVariantFactory(step=step, label="B", subject="Other subject")
    leads = [enrol(cadence, first_name=f"Lead {n}") for n in range(20)]

    rows = [row for row in cadence_dry_run(cadence).rows if row.step.position == 2]

    assert {row.variant.label for row in rows} == {"A", "B"}
    assert {row.lead.pk: row.variant.label for row in rows} == {
        lead.pk: variant_for(step, lead).label for lead in leads
    }


def test_the_rows_are_the_soonest_and_the_total_counts_them_all(db):
    cadence = email_cadence(0, 24)
    for n in range(3):
        enrol(cadence, first_name=f"Lead {n}")

    run = cadence_dry_run(cadence, limit=4)

    assert run.total == 6
    assert [row.at for row in run.rows] == [NOW, NOW, NOW, NOW + 24 * HOUR]


def test_the_dry_run_costs_the_same_queries_for_any_number_of_enrolments(
    db, django_assert_num_queries
):
    cadence = cadence_of(
        (Channel.EMAIL, 0, HOURS),
        (Channel.CALL, 2, BUSINESS_DAYS),
        (Channel.PERSONAL_EMAIL, 1, DAYS),
        (Channel.LETTER, 1, DAYS),
        (Channel.TASK, 1, DAYS),
    )
    enrol(cadence, ReachableLeadFactory, first_name="Ada")
    calling_hours()  # read once a minute, not per dry run
    with django_assert_num_queries(6):
        assert cadence_dry_run(cadence).total == 5

    for n in range(10):
        enrol(cadence, ReachableLeadFactory, first_name=f"Lead {n}")
    with django_assert_num_queries(6):
        assert cadence_dry_run(cadence).total == 55
