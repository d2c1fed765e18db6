import datetime as dt
import signal
import subprocess
import sys
from io import StringIO

import django_rq
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rq import SimpleWorker

from config import liveness
from crm.models import Interaction
from followups import channels, scheduler
from followups.jobs import touches_deliver
from followups.models import Channel, Touch
from followups.scheduler import DELIVERY_LEASE, scheduler_pass, touch_deliver
from tests.followups.concurrency import run_at_once
from tests.followups.factories import TouchFactory
from tests.workers import ROOT, another_live_worker, worker_environment

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class LetterPrinter:
    """A delivery handler for letters, plugged in through the channel registry as
    mailings plugs in its own. Each letter printed is a "letter mailed" interaction,
    written in the delivery's transaction; a worker that dies mid-job can be staged."""

    def __init__(self):
        self.attempts: list[int] = []
        self.dies_on: set[int] = set()

    def __call__(self, *, touch: Touch) -> None:
        self.attempts.append(touch.pk)
        if touch.pk in self.dies_on:
            self.dies_on.discard(touch.pk)
            raise RuntimeError("the worker died mid-job")
        Interaction.objects.create(
            lead=touch.lead, kind=Interaction.Kind.LETTER_MAILED, data={"touch": touch.pk}
        )

    @staticmethod
    def printed() -> list[int]:
        mailed = Interaction.objects.filter(kind=Interaction.Kind.LETTER_MAILED)
        return sorted(mailed.values_list("data__touch", flat=True))


@pytest.fixture
def printer():
    previous = channels.handler_for(Channel.LETTER)
    printer = LetterPrinter()
    channels.register(Channel.LETTER, printer)
    yield printer
    if previous is None:
        channels.unregister(Channel.LETTER)
    else:
        channels.register(Channel.LETTER, previous)


@pytest.fixture
def mail_queue(redis_url, settings):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("mail")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def work_off(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def queued_touch_ids(queue) -> list[int]:
    return sorted(job.args[0] for job in queue.jobs)


def due_letters(count: int) -> list[int]:
    due = timezone.now() - dt.timedelta(minutes=5)
    return sorted(
        touch.pk for touch in TouchFactory.create_batch(count, channel=Channel.LETTER, due_at=due)
    )


def after_the_lease(leases: int = 1):
    """The clock just past the delivery lease of touches claimed now."""
    return time_machine.travel(timezone.now() + leases * DELIVERY_LEASE + dt.timedelta(seconds=1))


def statuses(ids) -> set[str]:
    return set(Touch.objects.filter(pk__in=ids).values_list("status", flat=True))


@pytest.mark.django_db
def test_a_pass_delivers_the_due_letters_and_leaves_the_rest(printer):
    now = timezone.now()
    due = TouchFactory(channel=Channel.LETTER, due_at=now - dt.timedelta(hours=1))
    later = TouchFactory(channel=Channel.LETTER, due_at=now + dt.timedelta(hours=1))
    cancelled = TouchFactory(channel=Channel.LETTER, due_at=now, status=Touch.Status.CANCELLED)
    call = TouchFactory(channel=Channel.CALL, due_at=now - dt.timedelta(hours=1))

    result = scheduler_pass()

    assert (result.dispatched, printer.printed()) == (1, [due.pk])
    assert dict(Touch.objects.values_list("pk", "status")) == {
        due.pk: Touch.Status.DONE,
        later.pk: Touch.Status.PENDING,
        cancelled.pk: Touch.Status.CANCELLED,
        call.pk: Touch.Status.PENDING,  # reps pull calls from their queue
    }


@pytest.mark.django_db
def test_a_pass_releases_call_claims_the_rep_abandoned(settings):
    settings.CALL_CLAIM_TIMEOUT_MINUTES = 20
    now = timezone.now()
    abandoned = TouchFactory(status=Touch.Status.CLAIMED, claimed_at=now - dt.timedelta(minutes=30))
    in_hand = TouchFactory(status=Touch.Status.CLAIMED, claimed_at=now - dt.timedelta(minutes=5))

    assert scheduler_pass().released_calls == 1

    assert statuses([abandoned.pk]) == {Touch.Status.PENDING}
    assert statuses([in_hand.pk]) == {Touch.Status.CLAIMED}


@pytest.mark.django_db
def test_a_batch_takes_lost_deliveries_first_then_the_oldest_due(printer, monkeypatch):
    monkeypatch.setattr(scheduler, "BATCH", 2)
    now = timezone.now()
    lost = TouchFactory(
        channel=Channel.LETTER,
        status=Touch.Status.CLAIMED,
        claimed_at=now - DELIVERY_LEASE - dt.timedelta(minutes=1),
        due_at=now - dt.timedelta(hours=1),
    )
    oldest, older, newest = (
        TouchFactory(channel=Channel.LETTER, due_at=now - dt.timedelta(minutes=minutes))
        for minutes in (120, 90, 1)
    )
    TouchFactory(channel=Channel.LETTER, due_at=now + dt.timedelta(minutes=1))

    assert scheduler._claim_due(now) == [(lost.pk, Channel.LETTER), (oldest.pk, Channel.LETTER)]
    assert statuses([lost.pk, oldest.pk]) == {Touch.Status.CLAIMED}

    assert scheduler_pass(now=now).dispatched == 2  # the rest, in a full batch and a short one
    assert printer.printed() == [older.pk, newest.pk]


@pytest.mark.django_db
def test_delivering_a_touch_twice_delivers_it_once(printer):
    letter = TouchFactory(channel=Channel.LETTER, status=Touch.Status.CLAIMED)

    assert touch_deliver(touch_id=letter.pk) is True
    assert touch_deliver(touch_id=letter.pk) is False

    assert printer.printed() == [letter.pk]
    assert statuses([letter.pk]) == {Touch.Status.DONE}


@pytest.mark.django_db
def test_a_touch_cancelled_after_its_claim_is_not_delivered(printer):
    letter = TouchFactory(channel=Channel.LETTER, status=Touch.Status.CANCELLED)

    assert touch_deliver(touch_id=letter.pk) is False
    assert printer.printed() == []


@pytest.mark.django_db
def test_run_scheduler_once_dispatches_the_due_touches(printer):
    letter = TouchFactory(channel=Channel.LETTER, due_at=timezone.now())
    out = StringIO()

    call_command("run_scheduler", "--once", stdout=out)

    assert out.getvalue() == "dispatched 1, released 0 calls\n"
    assert printer.printed() == [letter.pk]


@transactional
def test_a_pass_claims_the_due_touches_and_queues_one_job_per_touch(printer, mail_queue):
    letters = due_letters(3)
    TouchFactory(channel=Channel.LETTER, due_at=timezone.now() + dt.timedelta(hours=1))

    assert scheduler_pass().dispatched == 3

    assert queued_touch_ids(mail_queue) == letters  # ids only, nothing personal
    assert {job.func_name for job in mail_queue.jobs} == {"followups.jobs.touch_deliver"}
    assert statuses(letters) == {Touch.Status.CLAIMED}
    assert printer.printed() == []  # nothing happens until a worker runs
    work_off(mail_queue)
    assert printer.printed() == letters
    assert statuses(letters) == {Touch.Status.DONE}


@transactional
def test_scheduler_passes_running_at_once_never_dispatch_a_touch_twice(
    postgres, printer, mail_queue, monkeypatch
):
    monkeypatch.setattr(scheduler, "BATCH", 5)
    letters = due_letters(40)

    results = run_at_once([scheduler_pass] * 3, model=Touch)

    assert sum(result.dispatched for result in results) == 40
    assert queued_touch_ids(mail_queue) == letters
    work_off(mail_queue)
    assert printer.printed() == letters


@transactional
def test_touches_lost_with_a_flushed_redis_are_dispatched_again_after_the_lease(
    printer, mail_queue
):
    letters = due_letters(2)
    scheduler_pass()
    django_rq.get_connection("mail").flushdb()

    work_off(mail_queue)
    assert scheduler_pass().dispatched == 0  # still within the lease: maybe on its way
    with after_the_lease():
        assert scheduler_pass().dispatched == 2
    work_off(mail_queue)

    assert printer.printed() == letters
    assert statuses(letters) == {Touch.Status.DONE}


@transactional
def test_a_touch_whose_worker_died_mid_job_is_delivered_after_the_lease_exactly_once(
    printer, mail_queue
):
    [letter] = due_letters(1)
    printer.dies_on.add(letter)
    scheduler_pass()
    [first_job] = mail_queue.jobs

    work_off(mail_queue)
    assert first_job.get_status(refresh=True) == "failed"
    assert (printer.printed(), statuses([letter])) == ([], {Touch.Status.CLAIMED})
    assert scheduler_pass().dispatched == 0
    with after_the_lease():
        assert scheduler_pass().dispatched == 1
    work_off(mail_queue)
    with after_the_lease(2):  # delivered touches are never dispatched again
        assert scheduler_pass().dispatched == 0

    assert printer.attempts == [letter, letter]
    assert printer.printed() == [letter]


@transactional
def test_a_backlog_longer_than_the_lease_queues_no_second_job(printer, mail_queue):
    [letter] = due_letters(1)
    scheduler_pass()
    with after_the_lease(3):
        assert scheduler_pass().dispatched == 0  # its job still waits at the head
    assert queued_touch_ids(mail_queue) == [letter]

    work_off(mail_queue)

    assert printer.attempts == [letter]
    assert printer.printed() == [letter]


@transactional
def test_a_lost_job_is_dispatched_again_while_newer_jobs_wait(printer, mail_queue):
    [lost] = due_letters(1)
    scheduler_pass()
    mail_queue.empty()  # Redis lost the job
    with after_the_lease():
        mail_queue.enqueue(touches_deliver, Channel.LETTER, [])  # newer work
        assert scheduler_pass().dispatched == 1

    work_off(mail_queue)

    assert printer.printed() == [lost]


DEAD_WORKER = 424_242  # a worker token (config.liveness) no connection holds


def claimed_letter(*, claimed_at: dt.datetime, worker_token: int | None) -> Touch:
    return TouchFactory(
        channel=Channel.LETTER,
        status=Touch.Status.CLAIMED,
        claimed_at=claimed_at,
        due_at=claimed_at - dt.timedelta(minutes=5),
        worker_token=worker_token,
    )


@pytest.mark.django_db
def test_a_claim_whose_worker_died_is_dispatched_at_the_next_pass_once(postgres, printer):
    now = timezone.now()
    died = claimed_letter(claimed_at=now - dt.timedelta(seconds=30), worker_token=DEAD_WORKER)
    with another_live_worker() as token:
        working = claimed_letter(claimed_at=now - 3 * DELIVERY_LEASE, worker_token=token)

        assert scheduler._claim_due(now) == [(died.pk, Channel.LETTER)]
        # Claimed anew, without a token: not again while its new job waits.
        assert scheduler._claim_due(now) == []

    assert Touch.objects.get(pk=working.pk).status == Touch.Status.CLAIMED


@pytest.mark.django_db
def test_a_job_takes_only_the_claims_no_live_worker_holds_and_marks_them_its_own(
    postgres, monkeypatch
):
    handed: list[tuple[list[int], set]] = []

    def batch_printer(*, touch_ids):
        tokens = set(Touch.objects.filter(pk__in=touch_ids).values_list("worker_token", flat=True))
        handed.append((touch_ids, tokens & liveness.tokens_held()))

    now = timezone.now()
    monkeypatch.setattr(channels, "_handlers", {Channel.LETTER: batch_printer})
    with another_live_worker() as token:
        fresh = claimed_letter(claimed_at=now, worker_token=None)
        orphaned = claimed_letter(claimed_at=now, worker_token=DEAD_WORKER)
        working = claimed_letter(claimed_at=now, worker_token=token)
        ids = [fresh.pk, orphaned.pk, working.pk]

        scheduler.touches_deliver(channel=Channel.LETTER, touch_ids=ids)

    [(taken, live_tokens)] = handed
    assert taken == [fresh.pk, orphaned.pk]
    assert len(live_tokens) == 1 and token not in live_tokens  # the job's own, held while it ran
    assert Touch.objects.get(pk=working.pk).worker_token == token


@pytest.mark.django_db
def test_a_batch_job_that_fails_with_its_worker_alive_is_tried_again_after_the_lease(
    postgres, monkeypatch
):
    def failing(*, touch_ids):
        raise RuntimeError("a bug in the handler")

    monkeypatch.setattr(channels, "_handlers", {Channel.LETTER: failing})
    now = timezone.now()
    letter = claimed_letter(claimed_at=now, worker_token=None)

    with pytest.raises(RuntimeError):
        scheduler.touches_deliver(channel=Channel.LETTER, touch_ids=[letter.pk])

    assert scheduler._claim_due(now) == []  # not at every pass: it would fail again
    later = now + DELIVERY_LEASE + dt.timedelta(seconds=1)
    assert scheduler._claim_due(later) == [(letter.pk, Channel.LETTER)]


@pytest.mark.django_db
def test_run_scheduler_stops_between_passes_on_sigterm_with_exit_code_0(postgres, redis_url):
    """As honcho or systemd stop it: at once while it waits for the next pass, and
    by itself (0), not killed by the signal."""
    command = [sys.executable, "manage.py", "run_scheduler", "--interval", "60", "-v", "2"]
    env = worker_environment() | {"PYTHONUNBUFFERED": "1"}
    running = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert running.stdout.readline().startswith("dispatched 0")  # a pass is over
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=5) == 0
    finally:
        running.kill()
