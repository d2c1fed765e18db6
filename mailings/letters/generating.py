"""Generating a print run's PDF: chunks of letters rendered in parallel (one job
each, on the letters workers), then merged in page order into one PDF.

Every step checks the run's generation number: a chunk or merge job left over
from an earlier generation (a retry, a duplicate after a Redis flush) does
nothing. A chunk rendered twice is stored twice under the same name and counted
once.
"""

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from config.jobs import JobHandle, enqueue
from mailings.letters.compose import letters_pdf
from mailings.letters.models import PrintRun
from mailings.letters.selectors import printed_letters

logger = logging.getLogger(__name__)
# Run by mailings.letters.jobs, which imports this module (config.jobs.JobHandle).
PRINT_RUN_MERGE = JobHandle("print_run_merge")


def chunk_render(*, run_id: int, generation: int, chunk: int) -> None:
    run = _generating(run_id, generation)
    if run is None or chunk in run.chunks_rendered:
        return
    size = settings.LETTER_CHUNK_SIZE
    letters = list(printed_letters(run)[chunk * size : (chunk + 1) * size])
    try:
        pdf = letters_pdf(
            run.letter_template,
            [letter.lead for letter in letters],
            paper=run.paper,
            references=[letter.reference for letter in letters],
        )
    except Exception as error:  # a manager's template, a time limit: the run says why
        logger.exception("Print run %s, chunk %s did not render", run_id, chunk)
        first = chunk * size + 1
        last = first + len(letters) - 1
        _fail(run_id, generation, f"Letters {first} to {last} did not render: {error}")
        return
    path = chunk_path(run_id, generation, chunk)
    default_storage.delete(path)
    default_storage.save(path, ContentFile(pdf))
    _count_chunk(run_id, generation, chunk)


def _count_chunk(run_id: int, generation: int, chunk: int) -> None:
    with transaction.atomic():
        run = _generating(run_id, generation, lock=True)
        if run is None or chunk in run.chunks_rendered:
            return
        run.chunks_rendered = sorted([*run.chunks_rendered, chunk])
        run.save(update_fields=["chunks_rendered"])
        if len(run.chunks_rendered) == run.chunks_total:
            enqueue(PRINT_RUN_MERGE, run_id, generation, queue="letters")


def merge(*, run_id: int, generation: int) -> None:
    with transaction.atomic():
        run = _generating(run_id, generation, lock=True)
        if run is None or len(run.chunks_rendered) < run.chunks_total:
            return
        writer = PdfWriter()
        for chunk in range(run.chunks_total):
            with default_storage.open(chunk_path(run_id, generation, chunk)) as part:
                writer.append(io.BytesIO(part.read()))
        merged = io.BytesIO()
        writer.write(merged)
        previous = run.pdf.name
        run.pdf.save(f"print-run-{run_id}.pdf", ContentFile(merged.getvalue()), save=False)
        run.pages, run.status = len(writer.pages), PrintRun.Status.READY
        run.generated_at = timezone.now()
        run.save(update_fields=["pdf", "pages", "status", "generated_at"])
        transaction.on_commit(lambda: _remove_files(run_id, generation, run.chunks_total, previous))


PROOF_LETTERS = 10


def proof_pdf(run: PrintRun) -> bytes:
    """The run's first PROOF_LETTERS letters, rendered as generating renders them,
    for reading before the run is approved: nothing is stored or marked."""
    letters = list(printed_letters(run)[:PROOF_LETTERS])
    return letters_pdf(
        run.letter_template,
        [letter.lead for letter in letters],
        paper=run.paper,
        references=[letter.reference for letter in letters],
    )


def chunk_path(run_id: int, generation: int, chunk: int) -> str:
    return f"print_runs/{run_id}/generation-{generation}/chunk-{chunk:05d}.pdf"


def _remove_files(run_id: int, generation: int, chunks: int, previous_pdf: str) -> None:
    for chunk in range(chunks):
        default_storage.delete(chunk_path(run_id, generation, chunk))
    if previous_pdf:
        default_storage.delete(previous_pdf)


def _generating(run_id: int, generation: int, *, lock: bool = False) -> PrintRun | None:
    runs = PrintRun.objects.select_related("template")
    if lock:
        runs = runs.select_for_update(of=("self",))
    return runs.filter(pk=run_id, generation=generation, status=PrintRun.Status.GENERATING).first()


def _fail(run_id: int, generation: int, error: str) -> None:
    PrintRun.objects.filter(
        pk=run_id, generation=generation, status=PrintRun.Status.GENERATING
    ).update(status=PrintRun.Status.FAILED, error=error[:2000])
