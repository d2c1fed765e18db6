"""Exactly once, with real parts: an RQ worker process killed in the middle of a
batch, Redis flushed, then recovery; PostgreSQL, Redis and an SMTP server on
loopback."""

import datetime as dt
import signal
import subprocess
from collections import Counter

import django_rq
import pytest
import time_machine
from django.utils import timezone
from rq import SimpleWorker

from crm.models import Interaction
from followups.cadences.services import enrolment_create
from followups.models import Enrolment, Touch
from followups.scheduler import scheduler_pass
from mailings.email.sending import SENDING_LEASE
from mailings.models import OutboxEmail
from tests.mailings.factories import ConsentingLeadFactory, email_cadence
from tests.workers import (
    another_connection,
    rq_worker_process,
    wait_for_postgres_to_drop_dead_workers,
)

ALWAYS_OPEN = {"MAIL_SEND_WEEKDAYS": "0,1,2,3,4,5,6", "MAIL_SEND_HOURS": "00:00,23:59:59.999999"}
LEADS, KILLED_AT = 30, 11  # the worker dies while the 11th message is being accepted


@pytest.fixture
def mail_queue(redis_url, settings):
    settings.JOBS_MODE = "rq"
    settings.MAIL_SEND_WEEKDAYS = list(range(7))
    settings.MAIL_SEND_HOURS = ("00:00", "23:59:59.999999")
    queue = django_rq.get_queue("mail")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def worker_process(smtp_port: int) -> subprocess.Popen:
    """`manage.py rqworker mail --burst` sending to the test's SMTP server."""
    mail = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }
    return rq_worker_process("mail", ALWAYS_OPEN | mail)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_and_a_redis_flush_lose_nothing_and_send_nothing_twice(
    postgres, mail_queue, smtp
):
    cadence = email_cadence(0, slug="expo")
    leads = [ConsentingLeadFactory(email=f"person{n}@example.org") for n in range(LEADS)]
    for lead in leads:
        enrolment_create(cadence=cadence, lead=lead, source="test")
    assert scheduler_pass().dispatched == LEADS
    worker = worker_process(smtp.port)
    smtp.kill_on_message(KILLED_AT, process_group=worker.pid)

    worker.wait(timeout=120)

    assert worker.returncode == -signal.SIGKILL, worker.stderr.read()
    assert len(smtp.messages) == KILLED_AT - 1  # the 11th was never accepted
    statuses = OutboxEmail.objects.values_list("status", flat=True)
    assert sorted(set(statuses)) == ["sending", "sent"]
    mail_queue.connection.flushdb()  # and Redis loses every job it held

    with time_machine.travel(timezone.now() + SENDING_LEASE + dt.timedelta(seconds=1)):
        assert scheduler_pass().dispatched == LEADS  # the database knows what is unfinished
        SimpleWorker([mail_queue], connection=mail_queue.connection).work(burst=True)

    received = [message["To"] for message in smtp.messages]
    assert sorted(received) == sorted(lead.email for lead in leads)  # each exactly once
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Touch.objects.values_list("status", flat=True)) == {Touch.Status.DONE}
    # Each lead's cadence went on once: through its one step, to its end.
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.FINISHED}
    assert Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count() == LEADS
    message_ids = [message["Message-ID"] for message in smtp.messages]
    assert len(set(message_ids)) == LEADS


BATCH, KILLED_IN_BATCH_AT = 100, 5  # one job: MAIL_BATCH_SIZE emails


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_workers_batch_goes_out_at_the_next_pass_without_waiting_for_a_lease(
    postgres, mail_queue, smtp
):
    cadence = email_cadence(0, slug="expo")
    leads = [ConsentingLeadFactory(email=f"person{n}@example.org") for n in range(BATCH)]
    for lead in leads:
        enrolment_create(cadence=cadence, lead=lead, source="test")
    assert scheduler_pass().dispatched == BATCH
    worker = worker_process(smtp.port)
    # The server keeps the message in flight, but the worker dies before its 250.
    smtp.kill_on_message(KILLED_IN_BATCH_AT, process_group=worker.pid, kept=True)
    worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read()
    statuses = Counter(OutboxEmail.objects.values_list("status", flat=True))
    assert statuses == {"sent": KILLED_IN_BATCH_AT - 1, "sending": BATCH - KILLED_IN_BATCH_AT + 1}
    wait_for_postgres_to_drop_dead_workers()

    # The next pass, at once (no clock moved: both leases are minutes away), hands
    # out the dead worker's claims, and a new worker sends what it left `sending`.
    assert scheduler_pass().dispatched == BATCH
    SimpleWorker([mail_queue], connection=mail_queue.connection).work(burst=True)

    received = Counter(message["To"] for message in smtp.messages)
    assert set(received) == {lead.email for lead in leads}
    message_ids = Counter(message["Message-ID"] for message in smtp.messages)
    # Only the message in flight at the kill arrived twice, with its one Message-ID.
    in_flight = smtp.messages[KILLED_IN_BATCH_AT - 1]["Message-ID"]
    assert {message_id for message_id, copies in message_ids.items() if copies > 1} == {in_flight}
    assert (len(message_ids), message_ids[in_flight]) == (BATCH, 2)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Touch.objects.values_list("status", flat=True)) == {Touch.Status.DONE}
    assert Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count() == BATCH


KILLED_AT_ENVELOPE = 7


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_the_last_accepted_message_is_being_marked_sends_only_it_again(
    postgres, mail_queue, smtp
):
    # The sender writes a message's `sent` mark while the next message's envelope
    # goes out: killed there, that message may be unmarked, and nothing else.
    cadence = email_cadence(0, slug="expo")
    leads = [ConsentingLeadFactory(email=f"person{n}@example.org") for n in range(BATCH)]
    for lead in leads:
        enrolment_create(cadence=cadence, lead=lead, source="test")
    assert scheduler_pass().dispatched == BATCH
    worker = worker_process(smtp.port)
    smtp.kill_on_envelope(KILLED_AT_ENVELOPE, process_group=worker.pid)
    worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read()
    assert len(smtp.messages) == KILLED_AT_ENVELOPE - 1
    statuses = Counter(OutboxEmail.objects.values_list("status", flat=True))
    assert statuses["sent"] in (KILLED_AT_ENVELOPE - 2, KILLED_AT_ENVELOPE - 1)
    wait_for_postgres_to_drop_dead_workers()

    assert scheduler_pass().dispatched == BATCH
    SimpleWorker([mail_queue], connection=mail_queue.connection).work(burst=True)

    assert {message["To"] for message in smtp.messages} == {lead.email for lead in leads}
    message_ids = Counter(message["Message-ID"] for message in smtp.messages)
    last_accepted = smtp.messages[KILLED_AT_ENVELOPE - 2]["Message-ID"]
    assert {message_id for message_id, copies in message_ids.items() if copies > 1} <= {
        last_accepted
    }
    assert len(message_ids) == BATCH and message_ids[last_accepted] <= 2
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Touch.objects.values_list("status", flat=True)) == {Touch.Status.DONE}
    assert Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count() == BATCH


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_can_be_accepted_only_once_the_one_before_is_marked_sent(
    postgres, mail_queue, smtp
):
    # What makes a kill at any moment leave at most one message undecided: the
    # server, as it is about to accept a message, finds every message it accepted
    # before marked sent, read from another connection as a recovery would.
    cadence = email_cadence(0, slug="expo")
    for n in range(BATCH):
        enrolment_create(
            cadence=cadence,
            lead=ConsentingLeadFactory(email=f"person{n}@example.org"),
            source="test",
        )
    unmarked_at_acceptance = []

    def check(other):
        accepted = [message["Message-ID"] for message in smtp.messages]
        marked = {
            message_id
            for (message_id,) in other.execute(
                "SELECT message_id FROM mailings_outboxemail WHERE status = 'sent'"
            )
        }
        unmarked_at_acceptance.append(len(set(accepted) - marked))

    with another_connection() as other:
        smtp.before_accepting = lambda: check(other)
        assert scheduler_pass().dispatched == BATCH
        SimpleWorker([mail_queue], connection=mail_queue.connection).work(burst=True)

    assert len(smtp.messages) == len(unmarked_at_acceptance) == BATCH
    assert set(unmarked_at_acceptance) == {0}
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
