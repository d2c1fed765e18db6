"""The dashboard read from its daily rollups (PostgreSQL, kept by triggers) gives the
same numbers as the live queries on the same data, for every section and filter,
whichever way the data was written (see conftest.py for the world)."""

import dataclasses
import datetime as dt
import io
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from crm.models import Campaign, Interaction, Lead, User
from crm.outcomes import CallOutcome
from crm.privacy.services import lead_erase
from crm.services import lead_merge
from followups.cadences.models import ExitCondition
from followups.cadences.triggers import exit_reason
from followups.models import Channel, Enrolment, Touch
from mailings.models import OutboxEmail, StepVariant
from reports.jobs import rollups_compact
from reports.models import (
    CadenceRollup,
    CallRollup,
    EmailRollup,
    LeadRollup,
    OwnerRollup,
    TouchRollup,
)
from reports.selectors import SECTIONS, DashboardFilter, dashboard
from reports.selectors.rollups import split
from tests.factories import InteractionFactory, LeadFactory
from tests.reports.conftest import _email, touch

pytestmark = pytest.mark.usefixtures("postgres")

Kind = Interaction.Kind
Stage = Lead.Stage
UTC = dt.UTC
ZONES = [
    UTC,
    *(ZoneInfo(name) for name in ("Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles")),
]
PERIODS = [
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),  # the quarter
    (dt.date(2026, 3, 2), dt.date(2026, 4, 5)),  # over the clocks going forward (Berlin, LA)
    (dt.date(2026, 2, 2), dt.date(2026, 2, 2)),  # one Monday
    (dt.date(2025, 1, 1), dt.date(2026, 12, 31)),  # two years
]
# Hours (UTC) around the local midnights of the zones above.
HOURS = (0, 1, 5, 7, 8, 13, 18, 19, 22, 23)
BOUNDARY_DAYS = (
    dt.date(2026, 1, 1),
    dt.date(2026, 2, 1),
    dt.date(2026, 2, 2),
    dt.date(2026, 2, 3),
    dt.date(2026, 3, 2),
    dt.date(2026, 3, 29),
    dt.date(2026, 3, 31),
    dt.date(2026, 4, 1),
)
OUTCOMES = itertools.cycle(
    [
        CallOutcome.INTERESTED,
        CallOutcome.MEETING,
        CallOutcome.VOICEMAIL,
        CallOutcome.NO_ANSWER,
        CallOutcome.NOT_INTERESTED,
    ]
)


CHANNELS = itertools.cycle(Channel.values)
TOUCH_ENDS = itertools.cycle(
    [
        (Touch.Status.DONE, dt.timedelta(hours=1)),
        (Touch.Status.SKIPPED, dt.timedelta(days=1, hours=2)),
        (Touch.Status.PENDING, None),
        (Touch.Status.DONE, dt.timedelta(days=8)),
        (Touch.Status.CANCELLED, None),
    ]
)


RESPONSES = itertools.cycle(
    [(False, False, False), (True, False, False), (True, True, False), (True, False, True)]
)
# How an edge lead's enrolment ends (after the moment, or before): unsubscribed,
# finished, still active.
UNSUBSCRIBED = exit_reason(ExitCondition.UNSUBSCRIBED)
ENDINGS = itertools.cycle(
    [
        (Enrolment.Status.EXITED, UNSUBSCRIBED, dt.timedelta(0)),
        (Enrolment.Status.FINISHED, "", dt.timedelta(hours=2)),
        (Enrolment.Status.EXITED, UNSUBSCRIBED, dt.timedelta(hours=5)),
        (Enrolment.Status.ACTIVE, "", None),
        (Enrolment.Status.EXITED, UNSUBSCRIBED, -dt.timedelta(hours=1)),
    ]
)


@pytest.fixture
def edges(world, rep_alice, rep_bob):
    """Leads and calls at hours around every zone's midnights, on days where the
    periods and their weeks begin and end; each lead in a cadence (its touch one
    of the enrolment's), some unsubscribed then."""
    campaigns = itertools.cycle([world.expo, world.giveaway, None])
    stages = itertools.cycle(Stage.values)
    people = itertools.cycle([rep_alice, rep_bob, None])
    variants = itertools.cycle(StepVariant.objects.select_related("step__cadence"))
    for day, hour in itertools.product(BOUNDARY_DAYS, HOURS):
        moment = dt.datetime.combine(day, dt.time(hour, 30), tzinfo=UTC)
        owner = next(people)
        lead = LeadFactory(
            source_campaign=next(campaigns), stage=next(stages), created_at=moment, owner=owner
        )
        InteractionFactory(
            lead=lead, kind=Kind.CALL, user=next(people), outcome=next(OUTCOMES), occurred_at=moment
        )
        status, later = next(TOUCH_ENDS)
        completed = moment + later if status in (Touch.Status.DONE, Touch.Status.SKIPPED) else None
        planned = touch(lead, next(CHANNELS), created=moment, status=status, completed=completed)
        opened, clicked, replied = next(RESPONSES)
        variant = next(variants)
        _email(
            variant.step.cadence,
            variant,
            lead,
            sent=moment,
            opened=opened,
            clicked=clicked,
            replied=replied,
        )
        enrolment = Enrolment.objects.get(cadence=variant.step.cadence, lead=lead)
        Touch.objects.filter(pk=planned.pk).update(enrolment=enrolment)
        ending, reason, after = next(ENDINGS)
        Enrolment.objects.filter(pk=enrolment.pk).update(
            status=ending,
            exit_reason=reason,
            ended_at=moment + after if after is not None else None,
        )
    return world


def assert_same_everywhere(world) -> None:
    """Every section, every zone, period and campaign: rollups == live queries."""
    for zone, (first, last), campaign in itertools.product(
        ZONES, PERIODS, [None, world.expo, world.giveaway]
    ):
        filters = DashboardFilter.for_dates(first, last, time_zone=zone, campaign=campaign)
        live = dataclasses.replace(filters, live=True)
        for name, selector in SECTIONS.items():
            assert selector(filters) == selector(live), (name, zone, first, last, campaign)


def test_the_rollups_answer_as_the_live_queries_for_every_filter(edges):
    assert LeadRollup.objects.exists() and CallRollup.objects.exists()
    assert TouchRollup.objects.exists() and OwnerRollup.objects.exists()
    assert EmailRollup.objects.exists()
    rolled = CadenceRollup.objects.aggregate(unsubscribed=Sum("unsubscribed"), calls=Sum("calls"))
    assert rolled["unsubscribed"] > 0 and rolled["calls"] > 0

    assert_same_everywhere(edges)


def test_a_utc_period_is_read_from_the_rollups_alone(edges):
    """In UTC nothing is read live: the funnel is its rollup and the campaigns' names."""
    quarter = DashboardFilter.for_dates(*PERIODS[0], time_zone=UTC)
    page = dashboard(quarter)

    assert page.funnel.total.leads > 0 and page.reps.reps
    assert split([quarter.start, quarter.end]).pieces == []


def test_a_copy_and_an_insert_select_are_counted(edges, rep_alice):
    """COPY (imports, seeding) and INSERT ... SELECT (set-based paths) fire the
    statement triggers once each, with every row."""
    columns = [field.column for field in Lead._meta.concrete_fields if not field.primary_key]
    picked = ", ".join(
        "'copy-' || id || email" if column == "email" else column for column in columns
    )
    with connection_cursor() as cursor:
        data = io.BytesIO()
        with cursor.copy(f"COPY (SELECT {picked} FROM crm_lead) TO STDOUT") as copy:
            for block in copy:
                data.write(block)
        with cursor.copy(f"COPY crm_lead ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(data.getvalue())
        interaction_columns = ", ".join(
            field.column for field in Interaction._meta.concrete_fields if not field.primary_key
        )
        cursor.execute(
            f"INSERT INTO crm_interaction ({interaction_columns}) "
            f"SELECT {interaction_columns} FROM crm_interaction WHERE kind = 'call'"
        )

    assert_same_everywhere(edges)


def test_deletes_stage_changes_and_moves_are_counted(edges, rep_bob):
    """An import's undo deletes interactions and leads; queryset updates change
    stages, owners, campaigns, times; deleting a person or a campaign nulls them."""
    Interaction.objects.filter(kind=Kind.CALL, occurred_at__hour__in=[0, 22]).delete()
    Lead.objects.filter(stage=Stage.NEW).update(stage=Stage.WORKING)
    Lead.objects.filter(source_campaign=edges.giveaway).update(source_campaign=edges.expo)
    Lead.objects.filter(created_at__hour=23).update(owner=rep_bob, score=5)
    Interaction.objects.filter(kind=Kind.CALL, user=rep_bob).update(
        occurred_at=dt.datetime(2026, 2, 2, 23, 10, tzinfo=UTC), outcome=CallOutcome.MEETING
    )
    Interaction.objects.filter(kind=Kind.CALL, occurred_at__hour=1).update(kind=Kind.NOTE)
    Touch.objects.filter(status=Touch.Status.PENDING).update(
        status=Touch.Status.DONE, completed_at=dt.datetime(2026, 3, 29, 0, 40, tzinfo=UTC)
    )
    Touch.objects.filter(status=Touch.Status.SKIPPED, channel=Channel.EMAIL).delete()
    OutboxEmail.objects.filter(opened_at__isnull=True).update(
        opened_at=dt.datetime(2026, 4, 2, tzinfo=UTC)
    )
    OutboxEmail.objects.filter(replied_at__isnull=False).update(
        sent_at=dt.datetime(2026, 2, 1, 23, 5, tzinfo=UTC)
    )
    OutboxEmail.objects.filter(clicked_at__isnull=False).delete()
    Touch.objects.filter(channel=Channel.LETTER).update(
        created_at=dt.datetime(2026, 2, 1, 23, 50, tzinfo=UTC)
    )
    Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, lead__created_at__hour=8).update(
        status=Enrolment.Status.EXITED,
        exit_reason=UNSUBSCRIBED,
        ended_at=dt.datetime(2026, 3, 1, 22, 30, tzinfo=UTC),
    )
    Enrolment.objects.filter(exit_reason=UNSUBSCRIBED, lead__created_at__hour=19).update(
        exit_reason="Replied"
    )
    Enrolment.objects.filter(lead__created_at__hour=7).delete()
    Touch.objects.filter(channel=Channel.CALL, lead__created_at__hour=18).update(enrolment=None)
    Lead.objects.filter(created_at__hour=5).delete()
    User.objects.filter(pk=rep_bob.pk).delete()
    Campaign.objects.filter(pk=edges.giveaway.pk).delete()

    assert_same_everywhere(edges)


def test_a_cadences_calls_follow_their_touches(edges):
    """Calls of enrolments made, moved to another day, taken back, detached from
    their enrolment and deleted: the cadence rollup follows each change."""
    calls = Touch.objects.filter(channel=Channel.CALL, enrolment__isnull=False).order_by("pk")
    ids = list(calls.values_list("pk", flat=True))
    assert len(ids) >= 8
    made = dt.datetime(2026, 3, 29, 23, 40, tzinfo=UTC)
    Touch.objects.filter(pk__in=ids).update(status=Touch.Status.DONE, completed_at=made)
    Touch.objects.filter(pk__in=ids[:2]).update(completed_at=made + dt.timedelta(hours=2))
    Touch.objects.filter(pk__in=ids[2:4]).update(status=Touch.Status.PENDING, completed_at=None)
    Touch.objects.filter(pk__in=ids[4:6]).update(enrolment=None)
    Touch.objects.filter(pk__in=ids[6:8]).delete()

    assert_same_everywhere(edges)
    kept = rollup_rows()["cadences"]
    with connection_cursor() as cursor:
        cursor.execute("SELECT reports_cadencerollup_rebuild()")
    assert rollup_rows()["cadences"] == kept


def test_erasure_and_merges_are_counted(edges, manager_maria):
    leads = list(Lead.objects.filter(interactions__kind=Kind.CALL).distinct()[:6])
    lead_erase(lead=leads[0], by=manager_maria)
    lead_erase(lead=leads[1], by=manager_maria)
    lead_merge(primary=leads[2], duplicate=leads[3], merged_by=manager_maria)
    lead_merge(primary=leads[4], duplicate=leads[5], merged_by=manager_maria)

    assert_same_everywhere(edges)


def test_rebuilding_gives_the_rows_the_triggers_kept(edges, rep_alice):
    Lead.objects.filter(created_at__hour=13).update(stage=Stage.LOST, owner=None)
    Interaction.objects.filter(kind=Kind.CALL, occurred_at__hour=18).delete()
    Touch.objects.filter(created_at__hour=7).update(status=Touch.Status.SKIPPED, completed_at=None)
    Enrolment.objects.filter(lead__created_at__hour=0).update(ended_at=None)
    OutboxEmail.objects.filter(sent_at__hour=8).update(
        clicked_at=dt.datetime(2026, 5, 1, tzinfo=UTC)
    )
    kept = rollup_rows()

    with connection_cursor() as cursor:
        cursor.execute("SELECT reports_rollups_rebuild()")
        cursor.execute("SELECT reports_cadencerollup_rebuild()")

    assert rollup_rows() == kept


def test_folding_a_keys_rows_into_one_changes_no_number(edges, rep_alice):
    """The triggers append a row of differences per statement; the periodic task
    folds them: one row a key, the same sums, the same dashboard."""
    Lead.objects.filter(created_at__hour=13).update(stage=Stage.LOST)
    Lead.objects.filter(created_at__hour=13).update(stage=Stage.WORKING)
    Interaction.objects.filter(kind=Kind.CALL, occurred_at__hour=18).delete()
    assert LeadRollup.objects.count() > len(rollup_rows()["leads"])
    kept = rollup_rows()

    rollups_compact(now="2026-12-05T00:00:00+00:00")
    rollups_compact(now="2026-12-05T00:10:00+00:00")

    assert rollup_rows() == kept
    for model, keys in KEYS.items():
        rows = model.objects.values_list(*keys)
        assert len(rows) == len(set(rows)), model
    assert_same_everywhere(edges)


def rollup_rows() -> dict[str, set]:
    """Each rollup key's sums that count something (a key may fall to 0 and stay)."""
    counted = {
        "leads": (LeadRollup, "leads", ("day", "campaign", "stage")),
        "owners": (OwnerRollup, "leads", ("owner", "campaign")),
        "calls": (CallRollup, "calls", ("day", "campaign", "user", "connected", "meetings")),
        "emails": (
            EmailRollup,
            "sent",
            ("day", "campaign", "step", "variant", "opened", "replied"),
        ),
        "touches": (TouchRollup, "planned", ("day", "campaign", "channel", "done", "skipped")),
        "cadences": (CadenceRollup, "calls", ("day", "campaign", "cadence", "unsubscribed")),
    }
    sums = {}
    for name, (model, n, keys) in counted.items():
        key = KEYS[model]
        measures = [column for column in (*keys, n) if column not in key]
        rows = model.objects.values(*key).annotate(**{f"sum_{m}": Sum(m) for m in measures})
        sums[name] = {
            (*(row[k] for k in keys if k in key), *(row[f"sum_{m}"] for m in measures))
            for row in rows
            if any(row[f"sum_{m}"] for m in measures)
        }
    return sums


KEYS = {
    LeadRollup: ("day", "campaign", "stage"),
    OwnerRollup: ("owner", "campaign"),
    CallRollup: ("day", "campaign", "user"),
    EmailRollup: ("day", "campaign", "step", "variant"),
    TouchRollup: ("day", "campaign", "channel"),
    CadenceRollup: ("day", "campaign", "cadence"),
}


def connection_cursor():
    from django.db import connection

    return connection.cursor()
