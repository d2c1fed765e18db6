"""Jobs through a real RQ worker on a real Redis."""

import django_rq
import pytest
from django.db import connection
from rq import SimpleWorker

from config.jobs import with_fresh_connections
from crm.models import Interaction, Lead
from crm.services import interaction_record
from tests.factories import LeadFactory


@pytest.fixture
def rq_queue(redis_url, settings):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def work_off(queue) -> None:
    # SimpleWorker runs jobs in this process, so they use the test database.
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_purchase_makes_a_customer_through_a_real_worker(rq_queue):
    lead = LeadFactory(stage=Lead.Stage.WORKING)

    interaction_record(lead=lead, kind=Interaction.Kind.PURCHASE, source="test")

    assert rq_queue.count == 1
    job = rq_queue.jobs[0]
    assert job.args == (Interaction.objects.get().pk,)  # an id, no personal data
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.WORKING  # nothing happens until a worker runs
    work_off(rq_queue)
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.CUSTOMER
    assert job.get_status(refresh=True) == "finished"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_that_runs_twice_changes_nothing_the_second_time(rq_queue):
    lead = LeadFactory(stage=Lead.Stage.NEW)
    interaction_record(lead=lead, kind=Interaction.Kind.MEETING, source="test")
    first = rq_queue.jobs[0]
    again = rq_queue.enqueue(first.func, *first.args)

    work_off(rq_queue)

    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.QUALIFIED
    assert [first.get_status(refresh=True), again.get_status(refresh=True)] == [
        "finished",
        "finished",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_for_a_deleted_interaction_does_nothing(rq_queue):
    lead = LeadFactory()
    interaction, _ = interaction_record(lead=lead, kind=Interaction.Kind.PURCHASE, source="test")
    job = rq_queue.jobs[0]
    lead.delete()

    work_off(rq_queue)

    assert job.get_status(refresh=True) == "finished"
    assert not Interaction.objects.filter(pk=interaction.pk).exists()


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_rolls_back(
    rq_queue, django_capture_on_commit_callbacks
):
    lead = LeadFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        interaction_record(lead=lead, kind=Interaction.Kind.NOTE, source="test")
    assert len(callbacks) == 1  # queued only when (and if) the transaction commits
    assert rq_queue.count == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_lived_worker_gets_a_new_connection_after_the_old_one_broke(postgres):
    @with_fresh_connections
    def job():
        return Lead.objects.count()

    connection.ensure_connection()
    broken = connection.connection
    broken.close()  # as when the database restarts under a running worker
    connection.errors_occurred = True

    assert job() == 0
    assert connection.connection is None or connection.connection is not broken
