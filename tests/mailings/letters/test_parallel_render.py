"""A large run renders in chunks on several real RQ workers at once, and merges
in page order (PostgreSQL, Redis, two `manage.py rqworker letters` processes)."""

import django_rq
import pytest

from crm.models import Lead
from mailings.letters.models import PrintRun
from mailings.letters.runs import print_run_approve, print_run_create, print_run_generate
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory
from tests.mailings.letters.reading import read_pdf
from tests.workers import rq_worker_process

LETTERS, CHUNK = 9, 2


@pytest.fixture
def letters_queue(redis_url, settings):
    settings.JOBS_MODE = "rq"
    queue = django_rq.get_queue("letters")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_render_the_chunks_and_the_pdf_keeps_the_run_order(
    postgres, letters_queue, manager_maria, settings
):
    settings.LETTER_CHUNK_SIZE = CHUNK
    for n in range(LETTERS):
        MailableLeadFactory(last_name=f"Reader{n}", postal_code=f"{10000 + n}")
    run = print_run_create(
        name="Nine letters",
        template=LetterTemplateFactory(),
        paper="a4",
        created_by=manager_maria,
        leads=Lead.objects.all(),
    )
    print_run_approve(run=run, by=manager_maria)
    print_run_generate(run=run)
    assert letters_queue.count == 5

    workers = [rq_worker_process("letters", {"LETTER_CHUNK_SIZE": str(CHUNK)}) for _ in range(2)]
    for worker in workers:
        worker.wait(timeout=120)
        assert worker.returncode == 0, worker.stderr.read()

    run.refresh_from_db()
    assert run.status == PrintRun.Status.READY, run.error
    pages = read_pdf(run.pdf.read())
    assert [page.text().count(f"Reader{n}") > 0 for n, page in enumerate(pages)] == [True] * 9
