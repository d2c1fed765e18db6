"""Jobs referenced, never named by strings; and jobs through a real RQ worker on a
real Redis."""

import importlib
import os
import pkgutil
import subprocess
import sys

import pytest
from django.db import connection
from django.utils.module_loading import import_string
from rq import SimpleWorker

from config.jobs import JobHandle, enqueue, handles, with_fresh_connections
from crm.models import Interaction, Lead
from crm.services import interaction_record
from tests.factories import LeadFactory
from tests.workers import ROOT


def work_off(queue) -> None:
    # SimpleWorker runs jobs in this process, so they use the test database.
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def every_handle() -> list[JobHandle]:
    """Every JobHandle the project declares: its modules all imported (those not
    imported at start too), bar migrations."""
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    return handles()


APPS = ("crm", "followups", "mailings", "reports")
# In a process of its own: which handles have their job once Django is set up,
# before anything else is imported; then every handle, once every module is.
AFTER_SETUP = """
import django
django.setup()
from config.jobs import handles
from tests.test_jobs import every_handle
ready = {id(handle) for handle in handles() if handle._job is not None}
print(sorted(handle.name for handle in every_handle() if id(handle) not in ready))
"""


def test_a_job_named_by_its_dotted_path_is_refused():
    with pytest.raises(TypeError, match="not a dotted path"):
        enqueue("crm.scoring.jobs.scores_recompute", ["purchase"])


def test_every_job_handle_has_its_job_once_django_is_set_up():
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "-c", AFTER_SETUP]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"  # the handles without their job after setup


def test_every_job_runs_from_a_jobs_module_as_a_function_rq_can_import():
    declared = every_handle()

    assert len(declared) >= 10
    for handle in declared:
        # config.apps.FlowConfig imports every jobs.py at start (config.jobs.jobs_modules_import)
        assert handle.job.__module__.endswith(".jobs"), handle
        assert import_string(f"{handle.job.__module__}.{handle.job.__qualname__}") is handle.job


@pytest.mark.django_db
def test_a_job_queued_on_redis_is_its_function_by_the_path_rq_imports(
    rq_queue, django_capture_on_commit_callbacks
):
    declared = every_handle()
    with django_capture_on_commit_callbacks(execute=True):
        for handle in declared:
            enqueue(handle, 1)

    queued = [job.func_name for job in rq_queue.jobs]
    assert queued == [f"{h.job.__module__}.{h.job.__qualname__}" for h in declared]
    assert [import_string(name) for name in queued] == [h.job for h in declared]


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
