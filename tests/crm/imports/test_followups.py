"""What follows an import's booth visits, set-based (interaction_hooks.run_set_based,
the import's follow-up job) gives the same rows as the per-row path it replaces
(run_many: each visit's enrolment and touch planned on its own), runs a bounded
number of statements however many visits, and does nothing twice when run twice
(in this process, and on a real RQ worker with PostgreSQL and Redis)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config.jobs import enqueue
from crm import interaction_hooks
from crm.audiences.models import Audience, AudienceMember
from crm.audiences.services import audience_save
from crm.audit.models import AuditEntry
from crm.imports import jobs
from crm.models import Interaction, Lead, LeadImport
from crm.roles import Role
from crm.scoring.models import ScoringRule
from followups.cadences.models import Cadence, Channel, Enrolment, WaitUnit
from followups.cadences.progress import step_key
from followups.models import Touch
from mailings.consent.services import suppression_add
from mailings.models import Suppression
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory, UserFactory
from tests.followups.cadences.factories import TriggerFactory, cadence_with
from tests.followups.factories import CallableLeadFactory, TouchFactory
from tests.workers import rq_worker_process

NOW = dt.datetime(2026, 3, 13, 21, 0, tzinfo=dt.UTC)  # Friday evening in New York
BOOTH = Interaction.Kind.BOOTH_VISIT
pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def expo():
    return CampaignFactory(name="Expo 2026")


@pytest.fixture
def plays(expo):
    """The cadences a booth visit starts: a call the next business day then an
    email (the event's visits), an email at 09:00 their time (any visit), a task
    on a lead's first visit ever, and one switched off."""
    follow_up = cadence_with(
        {
            "channel": Channel.CALL,
            "wait": 1,
            "wait_unit": WaitUnit.BUSINESS_DAYS,
            "script": "Ask about the demo",
            "priority": 60,
        },
        {"channel": Channel.EMAIL, "wait": 2, "wait_unit": WaitUnit.DAYS},
        name="Booth follow-up",
    )
    TriggerFactory(cadence=follow_up, kind=BOOTH, campaign=expo)
    thanks = cadence_with(
        {"channel": Channel.EMAIL, "wait": 2, "wait_unit": WaitUnit.HOURS},
        name="Booth thanks",
    )
    thanks.steps.update(at_local_time=dt.time(9, 0))
    TriggerFactory(cadence=thanks, kind=BOOTH)
    first = cadence_with({"channel": Channel.TASK, "script": "Send the deck"}, name="First visit")
    TriggerFactory(cadence=first, kind=BOOTH, first_of_kind=True)
    TriggerFactory(cadence=cadence_with({"channel": Channel.TASK}, is_active=False), kind=BOOTH)
    return follow_up, thanks, first


@pytest.fixture
def visits(expo, plays, rep_alice, manager_maria):
    """A batch of booth visits (and a meeting, a purchase, a call) with every case
    the follow-ups tell apart, as the import's job loads them; their ids."""
    follow_up, thanks, _ = plays
    bob = UserFactory(username="bob")  # owns leads; not a rep, so never picked
    rule(BOOTH, 25)
    rule(Interaction.Kind.MEETING, 40)
    audience_save(
        name="Expo visitors",
        definition={"match": "all", "rules": [{"type": "attended_event", "campaign": expo.pk}]},
        is_active=True,
        by=manager_maria,
    )
    audience_save(
        name="Hot",
        definition={"match": "all", "rules": [{"type": "score", "min": 50}]},
        is_active=True,
        by=manager_maria,
    )
    leads = [
        CallableLeadFactory(owner=rep_alice, score=63),
        CallableLeadFactory(owner=bob),
        CallableLeadFactory(owner=rep_alice, time_zone="Europe/Madrid", country="ES"),
        CallableLeadFactory(owner=bob, time_zone="Asia/Tokyo", country="JP"),
        CallableLeadFactory(owner=rep_alice, do_not_call=True),  # the call is skipped
        LeadFactory(owner=bob),  # no phone: skipped too
        CallableLeadFactory(),  # no owner: the call goes to the least busy rep
        CallableLeadFactory(owner=rep_alice, calls_paused_until=NOW + dt.timedelta(days=30)),
        CallableLeadFactory(owner=bob, email="gone@example.org"),  # on the suppression list
    ]
    with_call = CallableLeadFactory(owner=rep_alice)  # the new call is folded into it
    TouchFactory(lead=with_call, channel=Channel.CALL, due_at=NOW + dt.timedelta(days=5))
    in_thanks = CallableLeadFactory(owner=bob)  # in a play already: passed over
    Enrolment.objects.create(cadence=thanks, lead=in_thanks, source="Earlier", enrolled_at=NOW)
    twice = CallableLeadFactory(owner=rep_alice)  # two visits in the batch
    met = CallableLeadFactory(owner=rep_alice)  # a meeting ends its play
    Enrolment.objects.create(
        cadence=follow_up, lead=met, source="Earlier", enrolled_at=NOW - dt.timedelta(days=3)
    )
    InteractionFactory(lead=met, kind=BOOTH, occurred_at=NOW - dt.timedelta(days=90))
    leads += [with_call, in_thanks, twice, met]
    suppression_add(email="gone@example.org", reason=Suppression.Reason.BOUNCED, source="test")
    made = [
        InteractionFactory(
            lead=lead,
            kind=BOOTH,
            campaign=expo if n % 3 else None,
            notes="Wants pricing" if n % 2 else "",
            occurred_at=NOW - dt.timedelta(days=2, minutes=n),
        )
        for n, lead in enumerate(leads)
    ]
    made.append(InteractionFactory(lead=twice, kind=BOOTH, campaign=expo, occurred_at=NOW))
    made.append(InteractionFactory(lead=met, kind=Interaction.Kind.MEETING, occurred_at=NOW))
    made.append(InteractionFactory(lead=leads[1], kind=Interaction.Kind.PURCHASE))
    made.append(InteractionFactory(lead=leads[3], kind=Interaction.Kind.CALL, user=rep_alice))
    return [i.pk for i in made]


def rule(kind: str, points: int) -> None:
    ScoringRule.objects.update_or_create(
        kind=kind, defaults={"points": points, "half_life_days": 0, "is_active": True}
    )


def loaded(ids: list[int]) -> list[Interaction]:
    """As the import's follow-up job loads them (without the lead's fields no hook
    reads: one a hook read after all would cost a statement a visit, which the
    bounded-statements test below counts)."""
    return jobs.visits_for_hooks(ids)


def digest() -> dict[str, list]:
    """Every row the follow-ups write, without the ids made along the way (a
    touch's key is checked to be its enrolment's, step's and attempt's)."""
    enrolments = Enrolment.objects.values_list(
        "cadence__name", "lead_id", "status", "step__position", "attempt", "source",
        "interaction_id", "enrolled_by_id", "enrolled_at", "ended_at", "exit_reason",
    )  # fmt: skip
    touches = [
        (*row, key == step_key(enrolment_id, step_id, row[-1]) if enrolment_id else key)
        for *row, key, enrolment_id, step_id in Touch.objects.values_list(
            "lead_id", "channel", "due_at", "status", "reason", "reason_at", "talking_points",
            "priority", "assigned_to_id", "origin", "outcome", "held_reason", "interaction_id",
            "enrolment__cadence__name", "enrolment__interaction_id", "step__position",
            "completed_at", "created_at", "attempt", "key", "enrolment_id", "step_id",
        )
    ]  # fmt: skip
    leads = [
        (*row, bool(code))
        for *row, code in Lead.objects.values_list(
            "pk", "stage", "score", "score_computed_at", "owner_id", "email_consent",
            "email_consent_method", "do_not_call", "referral_code",
        )
    ]  # fmt: skip
    found = {
        "enrolments": enrolments,
        "touches": touches,
        "leads": leads,
        "members": AudienceMember.objects.values_list("audience__name", "lead_id", "joined_at"),
        "audience counts": Audience.objects.values_list("name", "member_count"),
        "audit": AuditEntry.objects.values_list(
            "action", "lead_id", "actor_id", "actor_name", "changes", "note", "subject_type"
        ),
    }
    return {name: sorted(rows, key=repr) for name, rows in found.items()}


def outcome_of(run, ids: list[int]) -> dict[str, list]:
    """What `run` writes for these interactions; then rolled back."""
    try:
        with transaction.atomic():
            run(loaded(ids))
            found = digest()
            raise Rollback
    except Rollback:
        return found


def test_the_set_based_path_writes_the_same_rows_as_the_per_row_path(visits):
    per_row = outcome_of(interaction_hooks.run_many, visits)
    set_based = outcome_of(interaction_hooks.run_set_based, visits)

    for name, rows in per_row.items():
        assert set_based[name] == rows, name
    enrolled = {row[0] for row in per_row["enrolments"] if row[-1] == ""}
    assert enrolled >= {"Booth follow-up", "Booth thanks", "First visit"}  # and installed plays
    statuses = {row[3] for row in per_row["touches"]}
    assert Touch.Status.SKIPPED in statuses  # calls barred, or folded into an open one
    assert any(row[1] == Lead.Stage.CUSTOMER for row in per_row["leads"])
    assert any(row[5] == Lead.EmailConsent.UNSUBSCRIBED for row in per_row["leads"])
    assert per_row["members"]


def test_a_batch_is_a_bounded_number_of_statements_however_many_visits(plays, expo, rep_alice):
    """(A call folded into one planned already is planned one by one: none here.)"""
    Cadence.objects.exclude(installed="").update(is_active=False)  # one call play, not two
    rule(BOOTH, 25)

    def statements(count: int) -> int:
        leads = [CallableLeadFactory(owner=rep_alice) for _ in range(count)]
        ids = [InteractionFactory(lead=lead, kind=BOOTH, campaign=expo).pk for lead in leads]
        with CaptureQueriesContext(connection) as queries:
            interaction_hooks.run_set_based(loaded(ids))
        assert Touch.objects.filter(lead__in=leads).count() == 3 * count
        return len(queries)

    few, many = statements(10), statements(300)
    # Not per visit: SQLite's 999 parameters cap an INSERT at about 60 touches.
    assert many - few < (300 - 10) / 10


def lead_import_of(ids: list[int], campaign) -> LeadImport:
    lead_import = LeadImport.objects.create(
        filename="booth.csv", content=b"", campaign=campaign, status=LeadImport.Status.DONE
    )
    Interaction.objects.filter(pk__in=ids).update(lead_import=lead_import)
    return lead_import


def test_the_follow_up_job_run_twice_does_nothing_the_second_time(visits, expo, monkeypatch):
    monkeypatch.setattr(jobs, "HOOK_BATCH", 5)  # several jobs, each queueing the next
    lead_import = lead_import_of(visits, expo)

    jobs.lead_import_recorded(lead_import.pk)
    once = digest()
    jobs.lead_import_recorded(lead_import.pk)

    assert digest() == once
    assert once["touches"]


def test_an_unowned_leads_task_goes_to_the_least_busy_rep_who_becomes_its_owner(plays, rep_alice):
    Cadence.objects.exclude(installed="").update(is_active=False)  # only the plays above
    bob = UserFactory(username="bob", role=Role.REP)
    TouchFactory(lead=CallableLeadFactory(), assigned_to=rep_alice)  # alice is busier
    lead = CallableLeadFactory()

    interaction_hooks.run_set_based(loaded([InteractionFactory(lead=lead, kind=BOOTH).pk]))

    lead.refresh_from_db()
    assert lead.owner == bob
    assert set(Touch.objects.filter(lead=lead).values_list("channel", "assigned_to")) == {
        (Channel.EMAIL, None),  # the thank-you email, planned before the task gave it an owner
        (Channel.TASK, bob.pk),
    }


def run_worker() -> None:
    """A real `rqworker default --burst`, until the queue is empty (each follow-up
    job queues the next, and the audiences' own jobs)."""
    worker = rq_worker_process("default")
    worker.wait(timeout=300)
    assert worker.returncode == 0, worker.stderr.read()


def lasting(found: dict[str, list]) -> dict[str, list]:
    """A digest without the time each score was worked out (a second run rescores)."""
    leads = [row[:3] + row[4:] for row in found["leads"]]
    return found | {"leads": leads}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_follow_ups_and_running_the_job_again_changes_nothing(
    postgres, rq_queue, visits, expo
):
    lead_import = lead_import_of(visits, expo)
    run_worker()  # what setting the scene queued (audiences built, leads saved)
    enqueue(jobs.lead_import_recorded, lead_import.pk)
    assert rq_queue.count == 1

    run_worker()
    once = digest()
    enqueue(jobs.lead_import_recorded, lead_import.pk)
    run_worker()

    assert {row[6] for row in once["enrolments"]} >= set(visits[:3])  # the worker enrolled
    assert lasting(digest()) == lasting(once)


def test_leads_without_an_owner_get_the_least_busy_rep_as_one_by_one_gives_them(
    plays, expo, rep_alice
):
    Cadence.objects.exclude(installed="").update(is_active=False)  # only the plays above
    UserFactory(username="bob", role=Role.REP)
    UserFactory(username="carol", role=Role.REP)
    TouchFactory(lead=CallableLeadFactory(), assigned_to=rep_alice)  # alice is busier
    barred = [CallableLeadFactory(do_not_call=True)]  # planned one by one, picks too
    leads = [CallableLeadFactory() for _ in range(4)] + barred + [CallableLeadFactory()]
    ids = [InteractionFactory(lead=lead, kind=BOOTH, campaign=expo).pk for lead in leads[:-1]]
    ids.append(InteractionFactory(lead=leads[-1], kind=BOOTH).pk)  # no call: thanks, a task

    per_row = outcome_of(interaction_hooks.run_many, ids)
    set_based = outcome_of(interaction_hooks.run_set_based, ids)

    for name, rows in per_row.items():
        assert set_based[name] == rows, name
    owners = {owner for _, _, _, _, owner, *_ in per_row["leads"] if owner}
    assert len(owners) == 3
