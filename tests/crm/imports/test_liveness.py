"""A killed import is not stuck: real import processes, killed with SIGKILL, on the
database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL)."""

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from crm import periodic
from crm.imports import jobs, services
from crm.imports.engine import one_import_at_a_time
from crm.imports.mapping import lead_import_create, lead_import_mapping
from crm.models import Campaign, ContactPoint, Interaction, Lead, LeadImport
from tests.workers import rq_worker_process

ROOT = Path(__file__).resolve().parents[3]
# How the test finds the import process's connection in pg_stat_activity.
APP_NAME = "crm-import-under-test"
STOPPED = "The import stopped: the worker running it was killed or crashed."
PEOPLE = 6_000  # three batches: long enough to be caught in a COPY
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIRST = ["Søren", "Begoña", "Zoë", "Jan", "Amélie", "Lukas", "Inès", "Mats"]
LAST = ["Ærø", "Muñoz", "Brändli", "de Vries", "Lefèvre", "Schäfer", "Nilsen", "Okafor"]


def badge_scans(path: Path, people: int = PEOPLE) -> Path:
    """A badge scanner's lead export: one row per scan, every person once, then the
    first person scanned again and a scan with nothing to reach anyone by."""
    lines = ["First Name,Last Name,Email Address,Company,Job Title,Mobile Phone,Country,Notes"]
    for n in range(people):
        first, last = FIRST[n % len(FIRST)], LAST[n // len(FIRST) % len(LAST)]
        lines.append(
            f"{first},{last},visitor{n}@example.de,Firma {n % 97} GmbH,Einkauf,"
            f"0151 {10_000_000 + n},Deutschland,Stand B{n % 40}"
        )
    lines.append("Søren,Ærø,visitor0@example.de,Firma 0 GmbH,,,Deutschland,Came back on day two")
    lines.append("Walk,In,,,,,Deutschland,No card")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def database_url(transactional_db, tmp_path):
    """The test database, for another process: PostgreSQL's as it is; SQLite's (in
    memory, so this process's alone) copied to a file this process then uses too."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return
    path = tmp_path / "crm.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection, connection.settings_dict["NAME"] = None, str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.connection, connection.settings_dict["NAME"] = in_memory, name


def import_process(path: Path, database_url: str) -> subprocess.Popen:
    """`manage.py import_leads`, reporting each batch on stderr."""
    command = [sys.executable, "manage.py", "import_leads", str(path), "--event", "Expo 2026"]
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "PGAPPNAME": APP_NAME,
    }
    return subprocess.Popen(
        [*command, "--country", "DE", "-v", "2"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_writing(process: subprocess.Popen) -> None:
    """Until the import is inside its transaction: on PostgreSQL, its connection in a
    COPY; on SQLite, a batch written (the write lock held until the end)."""
    if connection.vendor == "postgresql":
        eventually(
            lambda: process.poll() is None and backend_doing("COPY%", "active"),
            timeout=120,
            interval=0.002,
        )
    else:
        assert "rows read" in process.stderr.readline()


def backend_doing(query: str, state: str, wait_event: str = "%") -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read once a transaction otherwise
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND query LIKE %s"
            " AND state LIKE %s AND coalesce(wait_event, '') LIKE %s",
            [APP_NAME, query, state, wait_event],
        )
        return cursor.fetchone() is not None


def eventually(check, *, timeout: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (outcome := check()):
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(interval)
    return outcome


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def reaped(lead_import: LeadImport) -> bool:
    jobs.lead_imports_reap(timezone.now().isoformat())
    lead_import.refresh_from_db()
    return lead_import.status == LeadImport.Status.FAILED


def nothing_stored() -> bool:
    return not (
        Lead.objects.exists() or Interaction.objects.exists() or ContactPoint.objects.exists()
    )


def retry_to_done(client, lead_import: LeadImport) -> str:
    """Try again from the failure page, then import the preview: the result page."""
    assert client.post(reverse("imports:retry", args=[lead_import.pk])).status_code == 302
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.PREVIEWED

    jobs.lead_import_run(lead_import.pk)  # the killed run's job, arriving late
    assert nothing_stored()

    assert client.post(reverse("imports:confirm", args=[lead_import.pk])).status_code == 302
    return client.get(lead_import.get_absolute_url()).text


def assert_imported_once(lead_import: LeadImport) -> None:
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.DONE
    counts = (lead_import.rows, lead_import.created, lead_import.duplicates, lead_import.invalid)
    assert counts == (PEOPLE + 2, PEOPLE, 1, 1)
    campaign = Campaign.objects.get(name="Expo 2026")  # the event, made once
    assert Lead.objects.count() == PEOPLE
    visits = Interaction.objects.filter(campaign=campaign, lead_import=lead_import)
    assert visits.count() == PEOPLE
    assert visits.get(lead__email="visitor0@example.de").notes == "Stand B0\nCame back on day two"


@transactional
def test_a_command_line_import_killed_mid_way_fails_stores_nothing_and_can_be_retried(
    tmp_path, database_url, maria
):
    process = import_process(badge_scans(tmp_path / "scans.csv"), database_url)
    try:
        wait_until_writing(process)
    finally:
        kill(process)

    lead_import = LeadImport.objects.get()
    assert eventually(lambda: reaped(lead_import))
    assert nothing_stored()
    assert Campaign.objects.filter(name="Expo 2026").count() == 1

    page = maria.get(lead_import.get_absolute_url()).text
    assert STOPPED in page
    assert "Nothing of it was stored. Try again." in page
    assert ">Try again</button>" in page

    result = retry_to_done(maria, lead_import)
    assert "Imported" in result and f"{PEOPLE:,}" in result
    assert_imported_once(lead_import)


@transactional
def test_a_running_import_is_never_reaped_and_a_second_job_for_it_does_nothing(
    tmp_path, database_url, maria
):
    process = import_process(badge_scans(tmp_path / "scans.csv"), database_url)
    try:
        wait_until_writing(process)
        lead_import = LeadImport.objects.get()

        assert reaped(lead_import) is False
        progress = maria.get(reverse("imports:progress", args=[lead_import.pk]))
        assert progress.status_code == 200 and "Importing…" in progress.text
        jobs.lead_import_run(lead_import.pk)  # the same job again, while it runs

        assert process.wait(timeout=300) == 0
    finally:
        if process.poll() is None:
            kill(process)

    assert_imported_once(lead_import)
    assert lead_import.running_since is None


@transactional
def test_an_import_waiting_for_another_to_finish_is_alive(tmp_path, database_url, postgres):
    with transaction.atomic():
        one_import_at_a_time()  # as another import, writing for now
        process = import_process(badge_scans(tmp_path / "scans.csv", people=10), database_url)
        eventually(lambda: backend_doing("%pg_advisory_xact_lock%", "active", "advisory"))
        lead_import = LeadImport.objects.get()
        assert lead_import.running_since is not None

        assert reaped(lead_import) is False
    assert process.wait(timeout=120) == 0
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created) == (LeadImport.Status.DONE, 10)


@transactional
def test_an_import_killed_after_writing_its_rows_but_before_recording_them_stores_nothing(
    tmp_path, database_url, postgres
):
    process = import_process(badge_scans(tmp_path / "scans.csv", people=2500), database_url)
    try:
        taken_up = LeadImport.objects.filter(running_since__isnull=False)
        pk = eventually(lambda: taken_up.values_list("pk", flat=True).first())
        with transaction.atomic(), connection.cursor() as cursor:
            # Its process writes every row, then waits to record them on the import's row
            # (FOR SHARE lets the leads' and visits' foreign keys to it be checked).
            cursor.execute("SELECT 1 FROM crm_leadimport WHERE id = %s FOR SHARE", [pk])
            eventually(lambda: backend_doing('UPDATE "crm_leadimport" SET "status"%', "active"))
            kill(process)
    finally:
        if process.poll() is None:
            kill(process)

    eventually(lambda: not backend_doing("%", "%"))  # its connection has gone too
    assert nothing_stored()
    assert reaped(LeadImport.objects.get(pk=pk))


@pytest.fixture
def imports_queue(redis_url, settings):
    queue = django_rq.get_queue("imports")
    queue.empty()
    yield queue
    queue.empty()


@transactional
def test_an_import_whose_worker_is_killed_during_copy_shows_the_failure_on_its_page(
    tmp_path, maria, postgres, imports_queue, settings
):
    path = badge_scans(tmp_path / "scans.csv")
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), "new_event_name": "Expo 2026"}
    maria.post(reverse("imports:create"), data | {"new_event_country": "DE"})
    lead_import = LeadImport.objects.get()
    mapping = {f"column_{index}": field for index, field in lead_import.mapping.items()}
    maria.post(reverse("imports:mapping", args=[lead_import.pk]), mapping)  # previewed inline
    settings.JOBS_MODE = "rq"
    maria.post(reverse("imports:confirm", args=[lead_import.pk]))
    assert imports_queue.count == 1

    worker = rq_worker_process("imports", env={"PGAPPNAME": APP_NAME})
    try:
        wait_until_writing(worker)
    finally:
        kill(worker)

    def failure_page() -> str:  # viewing it reaps the import
        text = maria.get(lead_import.get_absolute_url()).text
        return text if STOPPED in text else ""

    page = eventually(failure_page)
    assert ">Try again</button>" in page
    assert nothing_stored()

    settings.JOBS_MODE = "inline"
    assert "Imported" in retry_to_done(maria, lead_import)
    assert_imported_once(lead_import)


@pytest.mark.django_db
def test_a_job_no_worker_took_up_is_queued_again_after_the_lease(maria, settings):
    campaign = services.campaign_for_event(name="Expo 2026", country="DE")
    upload = SimpleUploadedFile("scans.csv", b"Email,Country\nana@example.de,DE\n")
    lead_import = lead_import_create(
        upload=upload, campaign=campaign, source="", default_country="DE", user=None
    )
    settings.JOBS_MODE = "thread"  # queued after a commit that never comes: the job is lost
    services.lead_import_set_mapping(
        lead_import=lead_import, mapping=lead_import_mapping(lead_import), user=None
    )
    settings.JOBS_MODE = "inline"
    now = timezone.now()

    services.lead_imports_reap(now=now + dt.timedelta(minutes=4))
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.PREVIEWING  # maybe still waiting its turn

    services.lead_imports_reap(now=now + dt.timedelta(minutes=6))
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created) == (LeadImport.Status.PREVIEWED, 1)
    assert "Ready to import" in maria.get(lead_import.get_absolute_url()).text


@pytest.mark.django_db
def test_a_command_line_import_that_fails_says_why_on_its_page(tmp_path, maria, settings):
    settings.IMPORT_MAX_ROWS = 100

    with pytest.raises(CommandError):
        call_command(
            "import_leads",
            str(badge_scans(tmp_path / "scans.csv", people=150)),
            "--event",
            "Expo 2026",
        )

    lead_import = LeadImport.objects.get()
    assert lead_import.status == LeadImport.Status.FAILED
    assert "The file has more than 100 rows" in maria.get(lead_import.get_absolute_url()).text
    assert nothing_stored()


def test_the_reaper_runs_every_minute():
    task = next(task for task in periodic.registered() if task.name == "lead_imports_reap")
    assert task.every == dt.timedelta(minutes=1)
    assert task.job is jobs.lead_imports_reap
