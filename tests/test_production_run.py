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
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from requests.adapters import HTTPAdapter

from tests.mailings.conftest import Sink, free_port

ROOT = Path(__file__).resolve().parents[1]
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
CONCURRENCY = "web=1,worker=2,mail=2,letters=2,scheduler=2"
PROCESSES = sum(int(kind.partition("=")[2]) for kind in CONCURRENCY.split(","))
PASSWORD = secrets.token_urlsafe(16)
STOP_SECONDS = 15

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


class FormFields(HTMLParser):
    """Every form's fields with the values a browser would send as the page stands."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.options: dict[str, list[list[str]]] = {}  # select -> [value, label]
        self._select = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
            return
        if not self.forms:
            return
        fields, name = self.forms[-1][1], attrs.get("name")
        if tag == "option" and self._select:
            self.options.setdefault(self._select, []).append([attrs.get("value", ""), ""])
            if self._select not in fields or "selected" in attrs:
                fields[self._select] = attrs.get("value", "")
        elif not name:
            return
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            fields[name] = ""
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:
                fields[name] = attrs.get("value", "on")
        elif tag == "input" and attrs.get("type") not in ("submit", "file", "button"):
            fields[name] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = ""

    def handle_data(self, data):
        if self._select and self.options.get(self._select):
            self.options[self._select][-1][1] += data.strip()


def option_value(html: str, select: str, label: str) -> str:
    """The value of the option labelled `label` in the select named `select`."""
    parser = FormFields()
    parser.feed(html)
    for value, shown in parser.options.get(select, []):
        if shown == label:
            return value
    raise AssertionError(f"No option {label!r} in {select}: {parser.options.get(select)}")


def form_fields(html: str, *, has: str = "", action: str = "") -> dict[str, str]:
    """The fields of the page's first form that has the field `has`, or whose action
    contains `action`."""
    parser = FormFields()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if (has and has in fields) or (action and action in form_action):
            return fields
    raise AssertionError(f"No form with {has or action!r} on the page:\n{html[:3000]}")


# The run's parts


class TLSProxy(HTTPAdapter):
    """What the TLS proxy in front of gunicorn does: the browser speaks https to it,
    it speaks http to gunicorn and says so in X-Forwarded-Proto (Django's
    SECURE_PROXY_SSL_HEADER). Secure cookies, HSTS and the CSRF referer check then
    work as in production, and SECURE_SSL_REDIRECT stays on."""

    def send(self, request, **kwargs):
        plain = request.copy()
        plain.url = "http://" + request.url.removeprefix("https://")
        plain.headers["X-Forwarded-Proto"] = "https"
        response = super().send(plain, **kwargs)
        response.url, response.request = request.url, request
        return response


class Browser:
    def __init__(self, production: "Production", username: str):
        self.production = production
        self.base = f"https://127.0.0.1:{production.port}"
        self.session = requests.Session()
        self.session.mount(self.base, TLSProxy())
        self.login(username)

    def get(self, path: str, *, expect: int = 200, **kwargs) -> requests.Response:
        response = self.session.get(self._url(path), timeout=30, **kwargs)
        return self._answered(response, expect=expect)

    def post(self, path: str, **kwargs) -> requests.Response:
        # As a browser sends it: the CSRF check compares the Referer with the host.
        headers = {"Referer": self._url(path)}
        response = self.session.post(self._url(path), headers=headers, timeout=30, **kwargs)
        return self._answered(response)

    def login(self, username: str) -> None:
        fields = form_fields(self.get("/login/").text, has="username")
        home = self.post("/login/", data=fields | {"username": username, "password": PASSWORD})
        assert "/login/" not in home.url, f"{username} could not log in:\n{home.text[:2000]}"

    def wait_for_status(self, path: str, status: str, *, seconds: float = 30) -> None:
        def reached() -> bool:
            shown = re.search(r'class="status status-(\w+)"', self.get(path).text)[1]
            assert shown != "failed", f"{path} failed:\n{self.get(path).text[:3000]}"
            return shown == status

        wait_for(reached, f"{path} to be {status}", self.production, seconds=seconds)

    def _url(self, path: str) -> str:
        return path if path.startswith("https://") else self.base + path

    def _answered(self, response: requests.Response, *, expect: int = 200) -> requests.Response:
        assert response.status_code == expect, (
            f"{response.request.method} {response.url}: {response.status_code}\n"
            f"{response.text[:3000]}\n{self.production.log_tail()}"
        )
        return response


class Production:
    """honcho running the Procfile, and what it runs against."""

    def __init__(self, *, env: dict[str, str], port: int, sink: Sink, log: Path):
        self.env, self.port, self.sink, self.log = env, port, sink, log
        self.honcho: subprocess.Popen | None = None
        self.cadence = 0
        self.children: set[int] = set()
        self.laps: list[tuple[str, float]] = [("", time.monotonic())]

    def lap(self, what: str) -> None:
        self.laps.append((what, time.monotonic()))

    def timings(self) -> str:
        return "Production run: " + "; ".join(
            f"{what} {end - start:.1f} s"
            for (_, start), (what, end) in zip(self.laps, self.laps[1:], strict=False)
        )

    def manage(self, *args: str) -> str:
        return self.finished(self.manage_started(*args), timeout=300)

    def manage_started(self, *args: str) -> subprocess.Popen:
        command = [sys.executable, "manage.py", *args]
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finished(self, command: subprocess.Popen, *, timeout: float) -> str:
        try:
            out, err = command.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            command.kill()
            raise AssertionError(f"{command.args} still runs after {timeout} s") from None
        assert command.returncode == 0, f"{command.args[1:3]}:\n{out}\n{err}"
        return out

    def manage_shell(self, code: str) -> str:
        return self.manage("shell", "-c", f"PASSWORD = {PASSWORD!r}\n{code}")

    def browser(self, username: str) -> Browser:
        return Browser(self, username)

    def start(self) -> None:
        command = [sys.executable, "-m", "honcho", "start", "-f", "Procfile"]
        command += ["-p", str(self.port), "-c", CONCURRENCY]
        with self.log.open("wb") as log:
            self.honcho = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self._answers, "gunicorn to answer", self, seconds=60)
        self.children = descendants(self.honcho.pid)

    def _answers(self) -> bool:
        assert self.honcho.poll() is None, f"honcho exited early:\n{self.log_tail()}"
        try:
            url = f"http://127.0.0.1:{self.port}/login/"
            answer = requests.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=5)
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still booting
            return False
        return answer.status_code == 200

    def stop(self) -> None:
        """SIGTERM to honcho, which passes it on: every process must be gone within
        STOP_SECONDS, each having exited by itself with 0 (honcho's SIGKILL, five
        seconds after its SIGTERM, would say one did not)."""
        self.children |= descendants(self.honcho.pid)
        self.honcho.send_signal(signal.SIGTERM)
        try:
            self.honcho.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"honcho still runs after SIGTERM:\n{self.log_tail()}") from None
        log = self.log.read_text(errors="replace")
        stopped = re.findall(r"\| (\S+) stopped \(rc=(-?\d+)\)", log)
        assert len(stopped) == PROCESSES, f"Not every process reported its stop:\n{self.log_tail()}"
        assert all(rc == "0" for _, rc in stopped), f"Not all exited 0: {stopped}"
        assert "SIGKILL" not in log, self.log_tail()
        assert self.honcho.returncode in (0, 143), self.log_tail()  # 143: stopped by SIGTERM
        left = {pid for pid in self.children if alive(pid)}
        # honcho starts each process in a session of its own: anything forked later is there.
        left |= in_sessions({int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", log)})
        assert not left, f"Processes left behind: {left}\n{self.log_tail()}"

    def kill(self) -> None:
        """After a failure: nothing of the run may outlive the test."""
        if self.honcho and self.honcho.poll() is None:
            self.children |= descendants(self.honcho.pid)
            self.honcho.send_signal(signal.SIGTERM)
            try:
                self.honcho.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.honcho.kill()
        for pid in self.children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 150) -> str:
        if not self.log.exists():
            return ""
        tail = self.log.read_text(errors="replace").splitlines()[-lines:]
        return "--- honcho's log (last lines) ---\n" + "\n".join(tail)


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


def production_environment(
    *, database_url: str, redis_url: str, folder: Path, port: int, sink: Sink
) -> dict[str, str]:
    """Settings as production has them (config.settings.base, DEBUG off), from the
    environment only; what this run changes: a scheduler pass every second, and a
    send window open every day, all day (it may be run on a Sunday night)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "EMAIL_", "MAIL_", "JOBS_", "SECURE_"))
    }
    return inherited | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "WEB_CONCURRENCY": "2",
        "SCHEDULER_INTERVAL_SECONDS": "1",
        "MAIL_SEND_WEEKDAYS": "0,1,2,3,4,5,6",
        "MAIL_SEND_HOURS": "00:00,23:59:59",
        "LOG_LEVEL": "WARNING",
    }


class fresh_database:
    """CREATE DATABASE on DATABASE_URL's server; DROP it (forcing out any session
    left) when the run is over."""

    def __init__(self, server_url: str, name: str):
        self.server_url, self.name = server_url, name

    def __enter__(self) -> str:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
        return re.sub(r"/[^/?]*(\?|$)", rf"/{self.name}\1", self.server_url.rstrip("/"), count=1)

    def __exit__(self, *exc) -> None:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(
            re.sub(r"/[^/?]*(\?|$)", r"/postgres\1", self.server_url.rstrip("/"), count=1),
            autocommit=True,
        ) as admin:
            for statement in statements:
                admin.execute(statement.format(self.name))


class smtp_sink:
    def __enter__(self) -> Sink:
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.sink.port = self.controller.port
        return self.sink

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def wait_for(done: Callable[[], bool], what: str, run: Production, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {seconds} s for {what}.\n{run.log_tail()}")
        time.sleep(0.25)


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (Linux)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def in_sessions(sessions: set[int]) -> set[int]:
    """The processes of these sessions, from /proc (Linux)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[3]) in sessions:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, or a zombie nobody reaped (a process left behind all the same)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
