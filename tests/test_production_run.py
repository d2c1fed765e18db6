"""The production-shaped run: the Procfile under honcho (gunicorn, two RQ workers per
queue, two schedulers) on a fresh PostgreSQL database and a Redis database of its
own, driven over HTTP only as a manager's browser behind the TLS proxy would: a
booth list imported through the import pages, its people enrolled in a cadence
whose first email goes at once to a real SMTP server on loopback (each exactly
once), a print run created, approved and generated, its PDF downloaded and read.
Then honcho is stopped with SIGTERM and every process must exit by itself, 0.

Slow (one to three minutes, most of it collectstatic) and it starts a dozen
processes: `make smoke` runs it (PRODUCTION_RUN=1), as CI does after the suite, and
prints how long each phase took; otherwise it is skipped.
"""

import io
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from pypdf import PdfReader

from tests.mailings.conftest import free_port
from tests.production import (
    ROOT,
    Browser,
    Production,
    form_fields,
    fresh_database,
    option_value,
    production_environment,
    smtp_sink,
    wait_for,
)

BOOTH_LIST = ROOT / "tests/fixtures/imports/vendors/eventbrite-attendee-report.csv"
# The attendees of BOOTH_LIST with an email address (Aiko has none).
ATTENDEE_EMAILS = {
    "maria.garcia@northwind.example",
    "john.oneill@contoso.example",
    "soren.aero@dtu.example",
    "zoe.braendli@braendli.example",
    "kwame.mensah@fabrikam.example",
    "begona.munoz@adatum.example",
    "tom.baker@acme.example",
}
# The attendees with a postal address: Aiko and Tom gave none, so they are the
# print run's exceptions, not letters.
ATTENDEES_WITH_ADDRESS = ("García López", "O'Neill", "Ærø", "Brändli", "Mensah", "Muñoz")


pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(
        os.environ.get("PRODUCTION_RUN") != "1",
        reason="the production-shaped run starts gunicorn, workers and schedulers for a minute "
        "or two: `make smoke` runs it (PRODUCTION_RUN=1), and CI does",
    ),
]


def test_the_procfile_serves_imports_sends_prints_and_stops_cleanly(production):
    web = production.browser("maria")
    lead_import = import_booth_list(web, BOOTH_LIST)
    production.lap("booth list imported")
    production.manage_shell(CONFIRM_CONSENT)  # the booth's consent form, signed on paper
    enrol_import_in_cadence(web, lead_import, production.cadence)

    wait_for(
        lambda: len(production.sink.messages) >= len(ATTENDEE_EMAILS),
        "the cadence's first email to reach the SMTP sink",
        production,
        seconds=45,
    )
    time.sleep(3)  # a few more scheduler passes: nothing goes twice
    received = Counter(message["To"] for message in production.sink.messages)
    assert received == Counter(ATTENDEE_EMAILS)
    production.lap("emails received, each once")

    pdf = generated_print_run_pdf(web, lead_import, production)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == len(ATTENDEES_WITH_ADDRESS)
    text = "\n".join(page.extract_text() for page in pages)
    assert all(name in text for name in ATTENDEES_WITH_ADDRESS)
    production.lap("print run generated and read")

    rep = production.browser("alice")  # the roles the migrations made hold in production
    rep.get("/")
    rep.get("/imports/new/", expect=403)
    production.lap("a rep's pages")

    production.stop()
    production.lap("stopped")
    print(production.timings())


# Setup done the way an operator would, with manage.py: a manager and a rep to log in
# with, and a cadence whose first step is an email that goes at once.
SETUP = """
from django.contrib.auth.models import Group
from crm.models import User
from followups.models import Cadence, CadenceStep
from mailings.models import StepVariant

for name, role in (("maria", "manager"), ("alice", "rep")):
    user = User.objects.create_user(name, email=f"{name}@example.com", password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
cadence = Cadence.objects.create(name="Smoke follow-up", slug="smoke-follow-up", is_active=True)
step = CadenceStep.objects.create(
    cadence=cadence, position=1, channel="email", wait=0, wait_after="enrolment"
)
StepVariant.objects.create(
    step=step,
    subject="Good to meet you, {{ lead.first_name|default:'there' }}",
    html_body="<p>Thank you for stopping by our booth.</p>",
)
print(cadence.pk)
"""

CONFIRM_CONSENT = """
from crm.models import Lead
from mailings.consent.services import consent_confirm

for lead in Lead.objects.exclude(email=""):
    consent_confirm(lead=lead, source="booth consent form (production smoke run)")
"""


# The pages, as a manager's browser uses them


def import_booth_list(web: "Browser", path: Path) -> int:
    """Upload → mapping (as guessed) → preview → import; the import's id once it is done."""
    page = web.get("/imports/new/")
    fields = form_fields(page.text, has="new_event_name")
    fields |= {"new_event_name": "Smoke Expo", "new_event_country": "US", "source": ""}
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    mapping = web.post("/imports/new/", data=fields, files=files)
    pk = int(re.search(r"/imports/(\d+)/mapping/", mapping.url)[1])
    web.post(mapping.url, data=form_fields(mapping.text, has="column_0"))
    web.wait_for_status(f"/imports/{pk}/", "previewed")
    detail = web.get(f"/imports/{pk}/")
    web.post(f"/imports/{pk}/confirm/", data=form_fields(detail.text, action="/confirm/"))
    web.wait_for_status(f"/imports/{pk}/", "done")
    return pk


def enrol_import_in_cadence(web: "Browser", lead_import: int, cadence: int) -> None:
    url = f"/cadences/enrol/?lead_import={lead_import}&cadence={cadence}"
    fields = form_fields(web.get(url).text, has="expected")
    assert fields["expected"] == str(len(ATTENDEE_EMAILS) + 1), "Aiko, with a phone only, too"
    web.post(url, data=fields)


def generated_print_run_pdf(web: "Browser", lead_import: int, production: "Production") -> bytes:
    """A print run of the import's people, created, approved and generated; its PDF."""
    url = f"/letters/runs/new/?lead_import={lead_import}"
    page = web.get(url).text
    fields = form_fields(page, has="template")
    template = option_value(page, "template", "Conference follow-up")
    fields |= {"name": "Smoke Expo letters", "template": template, "source": "leads"}
    run = web.post(url, data=fields)
    pk = int(re.search(r"/letters/runs/(\d+)/$", run.url)[1])
    web.post(f"/letters/runs/{pk}/approve/", data=form_fields(run.text, action=f"/{pk}/approve/"))
    mailroom = web.get("/letters/mailroom/")
    web.post(
        f"/letters/runs/{pk}/generate/", data=form_fields(mailroom.text, action=f"/{pk}/generate/")
    )
    web.wait_for_status(f"/letters/runs/{pk}/", "ready", seconds=60)
    pdf = web.get(f"/letters/runs/{pk}/pdf/")
    assert pdf.headers["Content-Type"] == "application/pdf"
    return pdf.content


@pytest.fixture
def production() -> Iterator[Production]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("SMOKE_REDIS_URL", "")
    if not database_url.startswith("postgres"):
        pytest.fail("The production run needs PostgreSQL: set DATABASE_URL (postgres://…)")
    if not redis_url:
        pytest.fail("The production run needs a Redis database of its own: set SMOKE_REDIS_URL")
    redis.Redis.from_url(redis_url).flushdb()
    with (
        tempfile.TemporaryDirectory(prefix="smoke-") as folder,
        fresh_database(database_url, f"smoke_{os.getpid()}") as url,
        smtp_sink() as sink,
    ):
        port = free_port()
        env = production_environment(
            database_url=url, redis_url=redis_url, folder=Path(folder), port=port, sink=sink
        )
        run = Production(env=env, port=port, sink=sink, log=Path(folder) / "honcho.log")
        try:
            # Side by side: collectstatic (WhiteNoise compresses every file) takes longest.
            collecting = run.manage_started("collectstatic", "--noinput", "-v", "0")
            run.manage("migrate", "--noinput", "-v", "0")
            run.cadence = int(run.manage_shell(SETUP).split()[-1])
            run.finished(collecting, timeout=300)
            run.lap("migrate, collectstatic and setup")
            run.start()
            run.lap("honcho started, gunicorn answering")
            yield run
        finally:
            run.kill()
            redis.Redis.from_url(redis_url).flushdb()
