"""Benchmark: enrolling an audience into a cadence, and a scheduler pass over a million enrolments.

    DATABASE_URL=postgres://... [REDIS_URL=redis://127.0.0.1:6379/N] \\
        .venv/bin/python bench/cadence.py
        [--leads 100000] [--enrolments 1000000] [--due 10000] [--repeat 3] [--explain]

PostgreSQL only: a new database on DATABASE_URL's server, dropped afterwards.
With REDIS_URL (redis://host:port/N) jobs go to RQ on Redis database N, which
is flushed at the start, between runs and at the end (only that one); nothing
works the queues, so the jobs stay there and are counted. Without it, jobs run
in "thread" mode with the thread runner replaced by one that counts what would
have been queued and runs nothing. Either way a pass only claims and queues.

Seeding (timed, not part of the results), set-based: 40 reps, a manager, the
event "Expo 2026", a holiday in Germany on the next weekday; --leads leads for
the audience and --enrolments / 4 more for the scheduler, each written by one
INSERT … SELECT over generate_series: names, emails (confirmed consent),
phones, scores, an owner each, and places in several time zones and countries
(New York, Chicago, Denver, Los Angeles, Toronto, São Paulo, London, Berlin
and Germany, Berlin with no country, Madrid, Paris, Kolkata, Tokyo, Sydney,
none at all), so "the next business day at 09:00 their time" differs by
place (and the German holiday moves Germany's). Then the scheduler's world:
four cadences (a four-email nurture; a booth play of call, email, letter,
call; onboarding of email, task, email, personal email; a two-email win-back),
each of the scheduler's leads enrolled in all four (--enrolments enrolments,
the step each is on drawn per cadence: about 74% email, 14% call, 6% task,
4% letter, 2.5% personal email) with its current step's pending touch, as the
engine plans it (key, reason, priority, owner). Emails and letters are due in
the next 30 days, calls, tasks and personal emails between 7 days ago and 14
days ahead (reps have a backlog); then exactly --due email touches are made
due now. Every lead may be called and emailed, so the pass's sweep of steps
that cannot be done reads them all and skips none (each run meets the same
database). Indexes are dropped for the load and made again after it
(bench.seed.indexes_dropped), then VACUUM ANALYZE.

Measured, --repeat times each (the median counts), the project and the
baseline taking turns at going first, the database put back between runs:

  enrol      an audience "visited the booth at Expo 2026" with the --leads
             leads as members (AudienceMember rows written set-based, joined
             yesterday); the cadence "Expo 2026 booth visit" (call the next
             business day, email day 2, letter day 5, call day 7) follows it.
             project   followups.cadences.audiences.cadence_audience_sync
                       (cadence=...), which enrols the members who joined
                       since through followups.cadences.bulk
                       .enrolments_create_bulk
             baseline  hand-written SQL writing the same rows: the members'
                       distinct (time zone, country), the first call's due
                       time per place (followups.cadences.timing.step_due,
                       the same function), then one statement:
                       WITH new AS (INSERT INTO enrolments … SELECT … FROM
                       the members … RETURNING id, lead_id) INSERT INTO
                       touches … SELECT … FROM new JOIN leads JOIN places
             The rows must be the same: a digest of every enrolment and its
             touch (all columns but ids and the run's timestamps; the touch's
             key and times checked against its enrolment's). Goal: ratio
             project / baseline <= 2 at the median. Peak memory: the sync run
             once more in a child process of its own (its peak resident
             memory, VmHWM, Django loaded included); goal < 300 MB.
  pass       followups.scheduler.scheduler_pass() over the --enrolments active
             enrolments: releases abandoned calls, queues periodic tasks,
             sweeps the due steps that cannot be done (calls, personal
             emails), claims the --due email touches due now in batches of 500
             and queues their delivery jobs (touches_deliver, 100 ids each) on
             "mail". Goal: under 30 s. Checked: exactly the due email touches
             claimed, the jobs carry each of their ids once, nothing skipped.
             baseline  a bare UPDATE … SET status = 'claimed' WHERE id IN
                       (SELECT id … WHERE channel = 'email' AND status =
                       'pending' AND due_at <= now ORDER BY due_at, id LIMIT
                       500 FOR UPDATE SKIP LOCKED) RETURNING id, in a loop
                       until a batch comes back short: the same rows claimed.

After each: one more run, its statements grouped by shape (literals taken
out), those that took longest in all printed, and for the pass its parts, each
timed. --explain adds the plan of each such shape's slowest statement, as it
ran (the state it met), from auto_explain (LOAD needs a superuser).

The machine may be shared: the load average is printed at the start and the end.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (psycopg uses it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from seed import (  # noqa: E402
    ROOT,
    database_version,
    indexes_dropped,
    load,
    machine,
    postgres_database,
    server_settings,
    step,
)

REPS = 40
RATIO_GOAL = 2.0
MEMORY_GOAL_MB = 300
PASS_GOAL_SECONDS = 30.0
CLAIM_BATCH = 500  # followups.scheduler.BATCH
SOURCE = "Joined the audience Expo 2026 booth visitors"
# (time zone, country, weight): "" is a lead whose zone or country is unknown.
PLACES = (
    ("America/New_York", "US", 6),
    ("America/Chicago", "US", 3),
    ("America/Denver", "US", 1),
    ("America/Los_Angeles", "US", 3),
    ("America/Toronto", "CA", 1),
    ("America/Sao_Paulo", "BR", 1),
    ("Europe/London", "GB", 3),
    ("Europe/Berlin", "DE", 3),
    ("Europe/Berlin", "", 1),
    ("Europe/Madrid", "ES", 1),
    ("Europe/Paris", "FR", 1),
    ("Asia/Kolkata", "IN", 1),
    ("Asia/Tokyo", "JP", 1),
    ("Australia/Sydney", "AU", 1),
    ("", "", 1),
)
HOLIDAY_COUNTRY = "DE"
FIRST_NAMES = ("Ada", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Alan")
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
)
# The scheduler's cadences: name, steps as (channel, wait, unit), and the share of
# enrolments on each step, in twentieths.
CADENCES = (
    (
        "Newsletter nurture",
        (("email", 0, "hours"), ("email", 7, "days"), ("email", 14, "days"), ("email", 30, "days")),
        (8, 5, 4, 3),
    ),
    (
        "Booth follow-up",
        (
            ("call", 1, "business_days"),
            ("email", 2, "days"),
            ("letter", 5, "days"),
            ("call", 7, "days"),
        ),
        (8, 6, 3, 3),
    ),
    (
        "Trial onboarding",
        (
            ("email", 0, "hours"),
            ("task", 2, "days"),
            ("email", 3, "days"),
            ("personal_email", 5, "days"),
        ),
        (10, 5, 3, 2),
    ),
    ("Win-back", (("email", 0, "hours"), ("email", 14, "days")), (14, 6)),
)
REP_WORK = ("call", "task", "personal_email")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="In the audience enrolled.")
    parser.add_argument(
        "--enrolments", type=int, default=1_000_000, help="Active, for the scheduler pass."
    )
    parser.add_argument("--due", type=int, default=10_000, help="Email touches due at the pass.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each; the median counts.")
    parser.add_argument("--explain", action="store_true", help="Plans of the slowest statements.")
    parser.add_argument("--run", choices=("sync",), help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--cadence", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(child_sync(args.cadence)), flush=True)
        return
    if args.enrolments < 4 or args.due > args.enrolments // 2:
        sys.exit("--enrolments must be at least 4 and --due at most half of them")
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url and not re.fullmatch(r"redis://[^/]+/\d+", redis_url):
        sys.exit("REDIS_URL must be redis://host:port/N, N a database this benchmark may flush")
    url, drop = postgres_database(f"crm_bench_cadence_{os.getpid()}")
    server = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    flush_redis(redis_url)
    try:
        run(args, url, redis_url)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        os.environ["DATABASE_URL"] = server
        drop()
        flush_redis(redis_url)


def flush_redis(url: str) -> None:
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


def django_setup(redis_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # no SECRET_KEY or static manifest needed
            "JOBS_MODE": "rq" if redis_url else "thread",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    if not redis_url:
        os.environ.pop("REDIS_URL", None)
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run(args, url: str, redis_url: str) -> None:
    django_setup(redis_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    import config.jobs

    jobs = NoJobs()
    if not redis_url:
        config.jobs._runner = jobs
    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in the timed parts
    scheduler_leads = (args.enrolments + 3) // 4
    print(
        f"Cadence benchmark: enrolling {args.leads:,} leads from an audience; a scheduler pass "
        f"over {args.enrolments:,} active enrolments with {args.due:,} email touches due"
    )
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    print(f"jobs:    {'RQ on ' + redis_url if redis_url else 'counted, not run (thread mode)'}")
    print(f"code:    {fingerprint()}")
    world = seed(args.leads, scheduler_leads, args.enrolments, args.due)
    enrol = measure_enrolment(world, args, url)
    passed = measure_pass(world, args, jobs, redis_url)
    print("summary")
    print(f"  enrol {args.leads:,}: ratio {enrol['ratio']:.2f} (goal <= {RATIO_GOAL:g}: "
          f"{met(enrol['ratio'] <= RATIO_GOAL)}), peak memory {enrol['peak_mb']:.0f} MB "
          f"(goal < {MEMORY_GOAL_MB}: {met(enrol['peak_mb'] < MEMORY_GOAL_MB)})")  # fmt: skip
    print(f"  pass over {args.enrolments:,}: {passed['seconds']:.2f} s (goal < "
          f"{PASS_GOAL_SECONDS:g} s: {met(passed['seconds'] < PASS_GOAL_SECONDS)}), "
          f"ratio to the bare claim loop {passed['ratio']:.2f}")  # fmt: skip
    print(f"load average {load()} at the end (other work here skews timings)")


class NoJobs:
    """Stands in for config.jobs' thread runner: records the jobs, runs none."""

    def __init__(self):
        self.jobs: list[tuple] = []

    def submit(self, runner, func, args) -> None:
        self.jobs.append((func, args))


def fingerprint() -> str:
    """Which code was measured (it changes while others work)."""
    from django.db.migrations.recorder import MigrationRecorder

    digest = hashlib.sha1()
    paths = [*sorted((ROOT / "followups/cadences").glob("*.py")), ROOT / "followups/scheduler.py"]
    for path in paths:
        digest.update(path.name.encode() + path.read_bytes())
    last = MigrationRecorder.Migration.objects.filter(app="followups").order_by("-id").first()
    return (
        f"followups/cadences/*.py + scheduler.py sha1 {digest.hexdigest()[:10]}; "
        f"followups migrations up to {last.name}"
    )


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def execute(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


# Seeding ---------------------------------------------------------------------------


class World:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def seed(audience_leads: int, scheduler_leads: int, enrolments: int, due: int) -> World:
    from django.utils import timezone

    started = time.perf_counter()
    now = timezone.now()
    print(f"seeding  (now {now:%Y-%m-%d %H:%M} UTC, a {now:%A})")
    with step("users, campaign, holiday"):
        world = create_world(now)
    tables = ["crm_lead", "followups_enrolment", "followups_touch"]
    with step("drop the indexes"):
        remake = indexes_dropped(tables)
    with step(f"{audience_leads + scheduler_leads:,} leads"):
        insert_leads(audience_leads + scheduler_leads, world.reps, now)
    world.audience_leads = (1, audience_leads)
    world.scheduler_leads = (audience_leads + 1, audience_leads + scheduler_leads)
    with step(f"{enrolments:,} enrolments"):
        insert_enrolments(world, enrolments, now)
    with step(f"{enrolments:,} touches"):
        insert_touches(world, now)
        execute(
            "UPDATE followups_touch SET due_at = %s - (id %% 3600) * interval '1 second' "
            "WHERE id IN (SELECT id FROM followups_touch WHERE channel = 'email' "
            "ORDER BY md5(id::text) LIMIT %s)",
            [now, due],
        )
    with step("make the indexes again"):
        for sql in remake:
            execute(sql)
    with step("audience members"):
        insert_members(world, now)
    with step("VACUUM ANALYZE"):
        execute("VACUUM ANALYZE")
    mix = execute(
        "SELECT channel, count(*), count(*) FILTER (WHERE due_at <= %s) FROM followups_touch "
        "GROUP BY channel ORDER BY 2 DESC",
        [now],
    )
    shares = ", ".join(f"{channel} {count:,} ({due_now:,} due)" for channel, count, due_now in mix)
    print(f"seeded   in {time.perf_counter() - started:.0f} s: {shares}")
    return world


def create_world(now: dt.datetime) -> World:
    from django.contrib.auth.models import Group

    from crm.audiences.models import Audience
    from crm.audiences.rules.checking import definition_clean
    from crm.models import Campaign, User
    from followups.cadences.models import Cadence, CadenceStep
    from followups.models import Holiday

    reps = []
    for number in range(1, REPS + 1):
        rep = User.objects.create(
            username=f"rep{number}", first_name=f"Rep{number}", last_name="Bench"
        )
        rep.groups.add(Group.objects.get(name="rep"))
        reps.append(rep.pk)
    manager = User.objects.create(username="manager", first_name="Maria", last_name="Keller")
    manager.groups.add(Group.objects.get(name="manager"))
    expo = Campaign.objects.create(
        name="Expo 2026",
        kind="event",
        starts_on=now.date() - dt.timedelta(days=2),
        ends_on=now.date() - dt.timedelta(days=1),
        country="US",
    )
    holiday = now.date() + dt.timedelta(days=1)
    while holiday.weekday() >= 5:
        holiday += dt.timedelta(days=1)
    Holiday.objects.create(date=holiday, name="Bench holiday", country=HOLIDAY_COUNTRY)
    audience = Audience.objects.create(
        name="Expo 2026 booth visitors",
        definition=definition_clean(
            {"match": "all", "rules": [{"type": "attended_event", "campaign": expo.pk}]}
        ),
        created_by=manager,
    )
    booth = Cadence.objects.create(
        name="Expo 2026 booth visit",
        slug="expo-2026-booth-visit",
        is_active=True,
        audience=audience,
        created_by=manager,
    )
    for position, (channel, wait, unit, script) in enumerate(
        (
            ("call", 1, "business_days", "Thank them for stopping by; ask what they need."),
            ("email", 2, "days", ""),
            ("letter", 5, "days", ""),
            ("call", 7, "days", "Did the brochure arrive? Offer a demo."),
        ),
        start=1,
    ):
        CadenceStep.objects.create(
            cadence=booth,
            position=position,
            channel=channel,
            wait=wait,
            wait_unit=unit,
            wait_after="enrolment",
            priority=60,
            script=script,
        )
    cadences = []
    for number, (name, steps, shares) in enumerate(CADENCES):
        cadence = Cadence.objects.create(
            name=name, slug=f"bench-{number}", is_active=True, created_by=manager
        )
        ids = []
        for position, ((channel, wait, unit), share) in enumerate(
            zip(steps, shares, strict=True), start=1
        ):
            created = CadenceStep.objects.create(
                cadence=cadence,
                position=position,
                channel=channel,
                wait=wait,
                wait_unit=unit,
                script="Talk about what they read." if channel in REP_WORK else "",
            )
            ids += [created.pk] * share
        assert len(ids) == 20, name
        cadences.append((cadence.pk, ids))
    return World(reps=reps, audience=audience, booth=booth, cadences=cadences, holiday=holiday)


def insert_generated(model, count_sql: str, expressions: dict[str, str], params: list) -> None:
    """One INSERT … SELECT … FROM generate_series: each column its SQL expression
    (of g, the row's number) or the field's default."""
    from django.db import connection

    q = connection.ops.quote_name
    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(q(field.column))
        if field.attname in expressions:
            values.append(expressions[field.attname])
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {count_sql}"
    )
    # The expressions are literal SQL; only the defaults and the series are parameters.
    execute(sql, [*defaults, *params])


def sql_array(values, cast: str = "text") -> str:
    """A literal array: names and ids made here, never input."""
    if cast == "text":
        items = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    else:
        items = ", ".join(str(int(value)) for value in values)
    return f"(ARRAY[{items}]::{cast}[])"


def insert_leads(count: int, reps: list[int], now: dt.datetime) -> None:
    from crm.models import Lead

    zones = [zone for zone, _, weight in PLACES for _ in range(weight)]
    countries = [country for _, country, weight in PLACES for _ in range(weight)]
    stamp = f"'{now.isoformat()}'::timestamptz"
    place = f"(1 + mod(g * 7919, {len(zones)}))"
    insert_generated(
        Lead,
        "generate_series(1, %s::bigint) AS g",
        {
            "first_name": f"{sql_array(FIRST_NAMES)}[1 + mod(g, {len(FIRST_NAMES)})]",
            "last_name": f"{sql_array(LAST_NAMES)}[1 + mod(g / 7, {len(LAST_NAMES)})]",
            "email": "'lead' || g || '@bench.example'",
            "phone": "'+1555' || lpad(g::text, 7, '0')",
            "company": "'Company ' || mod(g, 5000)",
            "country": f"{sql_array(countries)}[{place}]",
            "time_zone": f"{sql_array(zones)}[{place}]",
            "owner_id": f"{sql_array(reps, 'bigint')}[1 + mod(g, {len(reps)})]",
            "score": "mod(g * 37, 101)",
            "email_consent": "'confirmed'",
            "created_at": stamp,
            "updated_at": stamp,
            "last_activity_at": stamp,
        },
        [count],
    )


def insert_enrolments(world: World, enrolments: int, now: dt.datetime) -> None:
    """Each scheduler lead in each of the four cadences, on a step drawn per cadence."""
    from followups.cadences.models import Enrolment

    first, last = world.scheduler_leads
    rows = ", ".join(
        f"({number}, {cadence}, {sql_array(steps, 'bigint')})"
        for number, (cadence, steps) in enumerate(world.cadences)
    )
    insert_generated(
        Enrolment,
        f"(SELECT lead.g, c.k, c.cadence, c.steps FROM generate_series(%s::bigint, %s) AS lead (g) "
        f"CROSS JOIN (VALUES {rows}) AS c (k, cadence, steps) ORDER BY lead.g, c.k LIMIT %s) "
        "AS e (g, k, cadence, steps)",
        {
            "cadence_id": "e.cadence",
            "lead_id": "e.g",
            "status": "'active'",
            "step_id": "e.steps[1 + mod(e.g * 31 + e.k * 17, 20)]",
            "source": "'Bench seed'",
            "enrolled_at": f"'{now.isoformat()}'::timestamptz - mod(e.g, 30) * interval '1 day'",
        },
        [first, last, enrolments],
    )


def insert_touches(world: World, now: dt.datetime) -> None:
    """Each enrolment's current step, pending, as the engine plans it."""
    cadences = [cadence for cadence, _ in world.cadences]
    rep_work = ", ".join(f"'{channel}'" for channel in REP_WORK)
    execute(
        f"""
        INSERT INTO followups_touch (lead_id, channel, due_at, status, reason, reason_at,
            talking_points, priority, assigned_to_id, origin, attempt, key, outcome,
            held_reason, created_at, enrolment_id, step_id)
        SELECT e.lead_id, s.channel,
            CASE WHEN s.channel IN ({rep_work})
                THEN %(now)s + (mod(e.id::bigint * 7919, 21 * 1440) - 7 * 1440)
                    * interval '1 minute'
                ELSE %(now)s + interval '1 hour' + mod(e.id::bigint * 7919, 30 * 1440)
                    * interval '1 minute' END,
            'pending',
            c.name || ', step ' || s.position || ' (' || replace(s.channel, '_', ' ') || '): '
                || e.source,
            e.enrolled_at, s.script,
            CASE WHEN s.channel IN ({rep_work}) THEN s.priority ELSE 40 END
                + CASE WHEN s.channel = 'call' THEN GREATEST(0, LEAST(l.score / 10, 10)) ELSE 0 END,
            l.owner_id, 'Cadence: ' || c.name, 1,
            'cadence:' || e.id || ':step:' || s.id || ':1', '', '', e.enrolled_at, e.id, s.id
        FROM followups_enrolment e
        JOIN followups_cadencestep s ON s.id = e.step_id
        JOIN followups_cadence c ON c.id = e.cadence_id
        JOIN crm_lead l ON l.id = e.lead_id
        WHERE e.cadence_id = ANY(%(cadences)s)
        """,
        {"now": now, "cadences": cadences},
    )


def insert_members(world: World, now: dt.datetime) -> None:
    """The audience's members, as its rebuild would leave them (joined yesterday)."""
    first, last = world.audience_leads
    count = execute(
        "INSERT INTO crm_audiencemember (audience_id, lead_id, joined_at) "
        "SELECT %s, g, %s FROM generate_series(%s, %s) AS g",
        [world.audience.pk, now - dt.timedelta(days=1), first, last],
    )
    execute("UPDATE crm_audience SET member_count = %s WHERE id = %s", [count, world.audience.pk])


# Measuring -------------------------------------------------------------------------


def clock(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def seconds_text(values: list[float]) -> str:
    median = statistics.median(values)
    return f"median {median:7.3f} s  (runs {', '.join(f'{v:.3f}' for v in values)})"


# 1. Enrolling an audience


ROW_DIGEST = """
SELECT count(*), count(DISTINCT t.due_at),
    md5(string_agg(concat_ws('|', e.lead_id, e.status, e.step_id, e.attempt, e.source,
        e.enrolled_by_id, e.interaction_id, e.exit_reason, e.paused_at, e.ended_at,
        t.lead_id, t.channel, t.due_at, t.status, t.reason, t.talking_points, t.priority,
        t.assigned_to_id, t.origin, t.attempt, t.outcome, t.held_reason, t.step_id,
        t.interaction_id, t.claimed_by_id, t.claimed_at, t.completed_at,
        t.key = 'cadence:' || e.id || ':step:' || t.step_id || ':1',
        t.reason_at = e.enrolled_at, t.created_at = e.enrolled_at), ',' ORDER BY e.lead_id))
FROM followups_enrolment e JOIN followups_touch t ON t.enrolment_id = e.id
WHERE e.cadence_id = %s
"""


def measure_enrolment(world: World, args, url: str) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from followups.cadences.audiences import cadence_audience_sync
    from followups.cadences.models import Enrolment
    from followups.cadences.timing import step_due
    from followups.calling_hours import holidays_around
    from followups.models import Touch

    booth = world.booth
    first = booth.steps.get(position=1)
    q = connection.ops.quote_name

    def project():
        return cadence_audience_sync(cadence=booth)

    def baseline():
        now = timezone.now()
        places = execute(
            "SELECT DISTINCT l.time_zone, l.country FROM crm_audiencemember m "
            "JOIN crm_lead l ON l.id = m.lead_id WHERE m.audience_id = %s",
            [world.audience.pk],
        )
        holidays = holidays_around(now.date() + dt.timedelta(days=n) for n in range(-1, 14))
        due = [
            step_due(first, after=now, enrolled_at=now, time_zone=tz, country=country,
                     holidays=holidays)
            for tz, country in places
        ]  # fmt: skip
        values = ", ".join(["(%s, %s, %s::timestamptz)"] * len(places))
        reason = f"{booth.name}, step 1 (call): {SOURCE}"
        sql = f"""
            WITH new AS (
                INSERT INTO followups_enrolment (cadence_id, lead_id, status, step_id, attempt,
                    source, enrolled_by_id, enrolled_at, exit_reason)
                SELECT %s, m.lead_id, 'active', %s, 1, %s, NULL, %s, ''
                FROM crm_audiencemember m WHERE m.audience_id = %s
                ON CONFLICT DO NOTHING
                RETURNING id, lead_id
            ), places (tz, country, due) AS (VALUES {values})
            INSERT INTO followups_touch (lead_id, channel, due_at, status, reason, reason_at,
                talking_points, priority, assigned_to_id, origin, attempt, key, outcome,
                held_reason, created_at, enrolment_id, step_id)
            SELECT new.lead_id, 'call', places.due, 'pending', %s, %s, %s,
                %s + GREATEST(0, LEAST(l.score / 10, 10)), l.owner_id, %s, 1,
                'cadence:' || new.id || ':step:' || %s || ':1', '', '', %s, new.id, %s
            FROM new JOIN {q("crm_lead")} l ON l.id = new.lead_id
            JOIN places ON places.tz = l.time_zone AND places.country = l.country
            ORDER BY new.id
        """
        params = [booth.pk, first.pk, SOURCE, now, world.audience.pk]
        params += [
            value for place, moment in zip(places, due, strict=True) for value in (*place, moment)
        ]
        params += [reason, now, first.script, first.priority, f"Cadence: {booth.name}"]
        params += [first.pk, now, first.pk]
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(" ".join(sql.split()), params)  # one line: auto_explain's text
            written = cursor.rowcount  # touches; the enrolments are counted after the clock
            cursor.execute("COMMIT")
        return written

    def reset():
        execute(
            "DELETE FROM followups_touch WHERE enrolment_id IN "
            "(SELECT id FROM followups_enrolment WHERE cadence_id = %s)",
            [booth.pk],
        )
        execute("DELETE FROM followups_enrolment WHERE cadence_id = %s", [booth.pk])
        execute("VACUUM ANALYZE followups_enrolment, followups_touch")

    def digest():
        return execute(ROW_DIGEST, [booth.pk])[0]

    print(f"enrol    {args.leads:,} audience members into “{booth.name}” (call the next "
          f"business day at 09:00 their time; {HOLIDAY_COUNTRY} has a holiday on "
          f"{world.holiday:%a %d %b})")  # fmt: skip
    digests: dict = {"project": [], "baseline": []}
    runs: dict = {"project": [], "baseline": []}
    enrolled: dict = {"project": [], "baseline": []}
    actions = {"project": project, "baseline": baseline}
    for number in range(args.repeat):
        names = ("project", "baseline") if number % 2 == 0 else ("baseline", "project")
        for name in names:
            reset()
            seconds, count = clock(actions[name])
            runs[name].append(seconds)
            enrolments = Enrolment.objects.filter(cadence=booth).count()
            enrolled[name].append((count, enrolments))
            digests[name].append(digest())
    touches = Touch.objects.filter(enrolment__cadence=booth)
    due_spread = touches.values("due_at").annotate(n=Count("id")).order_by("due_at")
    print("  first calls due (UTC), leads:")
    for row in due_spread:
        print(f"    {row['due_at']:%a %d %b %H:%M}  {row['n']:>8,}")
    ok = all(counts == (args.leads,) * 2 for runs_of in enrolled.values() for counts in runs_of)
    same = len({tuple(d) for ds in digests.values() for d in ds}) == 1
    project_median = statistics.median(runs["project"])
    baseline_median = statistics.median(runs["baseline"])
    ratio = project_median / baseline_median
    print(f"  cadence_audience_sync   {seconds_text(runs['project'])}")
    print(f"  hand-written SQL        {seconds_text(runs['baseline'])}")
    print(f"  enrolled each run: {args.leads:,}: {'yes' if ok else 'NO ' + str(enrolled)}; "
          f"same rows both ways (digest of every enrolment and touch): "
          f"{'yes' if same else 'NO ' + str(digests)}")  # fmt: skip
    print(f"  ratio project / baseline at the median: {ratio:.2f} (goal <= {RATIO_GOAL:g}: "
          f"{met(ratio <= RATIO_GOAL)})")  # fmt: skip
    statements(project, reset, args.explain)
    statements(baseline, reset, args.explain, label=" of the baseline")
    reset()
    memory = run_child_sync(booth.pk, url)
    print(f"  peak memory, the sync in a process of its own: {memory['peak_mb']:.0f} MB "
          f"(Django loaded: {memory['before_mb']:.0f} MB; goal < {MEMORY_GOAL_MB} MB: "
          f"{met(memory['peak_mb'] < MEMORY_GOAL_MB)}); it enrolled {memory['enrolled']:,} "
          f"in {memory['seconds']:.2f} s")  # fmt: skip
    reset()
    assert not Enrolment.objects.filter(cadence=booth).exists()
    return {"ratio": ratio, "peak_mb": memory["peak_mb"]}


def run_child_sync(cadence_id: int, url: str) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--run", "sync", "--cadence", str(cadence_id)],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def child_sync(cadence_id: int) -> dict:
    django_setup(os.environ.get("REDIS_URL", "") if os.environ.get("JOBS_MODE") == "rq" else "")
    from django.conf import settings

    import config.jobs
    from followups.cadences.audiences import cadence_audience_sync
    from followups.cadences.models import Cadence

    settings.DEBUG = False
    config.jobs._runner = NoJobs()
    cadence = Cadence.objects.get(pk=cadence_id)
    before = peak_rss_mb()
    seconds, enrolled = clock(lambda: cadence_audience_sync(cadence=cadence))
    return {"seconds": seconds, "enrolled": enrolled, "before_mb": before, "peak_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh with the
    program (getrusage's ru_maxrss keeps the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def statements(action, reset, explain: bool, keep: int = 4, *, label: str = "") -> None:
    """What one more run sends (not timed: capturing costs time), grouped by the
    statement's shape (its literals taken out): the shapes that took longest in
    all. With --explain, another run under auto_explain prints the plan of each
    such shape's slowest statement, as it ran (the state each statement met)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset()
    with CaptureQueriesContext(connection) as captured:
        action()
    queries = [q for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    total = sum(float(q["time"]) for q in queries)
    shapes: dict[str, list[float]] = {}
    for query in queries:
        shapes.setdefault(shape(query["sql"]), []).append(float(query["time"]))
    print(f"  one more run{label}: {len(queries)} statements, {total:.3f} s in the database; "
          "the longest in all:")  # fmt: skip
    longest = sorted(shapes.items(), key=lambda item: sum(item[1]), reverse=True)[:keep]
    for sql, times in longest:
        print(f"    {sum(times) * 1000:8.1f} ms  {len(times):>4} x  {short(sql)}")
    if explain:
        plans = auto_explained(action, reset)
        for sql, _ in longest:
            found = [(duration, plan) for text, duration, plan in plans if shape(text) == sql]
            if found:
                duration, plan = max(found)
                print(f"    plan of the slowest ({duration:.1f} ms) of {short(sql, 90)}")
                for line in plan:
                    print(f"      {line}")


def shape(sql: str) -> str:
    """The statement with its literals taken out: the same shape, whatever the values."""
    sql = " ".join(sql.split())
    sql = re.sub(r"'(?:[^']|'')*'(?:::\w+)?", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?, )+\?\)|\{[^}]*\}", "(…)", sql)


def auto_explained(action, reset) -> list[tuple[str, float, list[str]]]:
    """(query text, milliseconds, plan lines) of each statement of one more run,
    from auto_explain (a superuser's LOAD, this session only), sent to the client."""
    from django.db import connection

    reset()
    notices: list[str] = []
    connection.ensure_connection()
    raw = connection.connection

    def handler(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    settings = (
        "LOAD 'auto_explain'",
        "SET auto_explain.log_min_duration = 0",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_buffers = on",
        "SET auto_explain.log_timing = on",
        "SET client_min_messages = log",
    )
    for sql in settings:
        execute(sql)
    raw.add_notice_handler(handler)
    try:
        action()
    finally:
        raw.remove_notice_handler(handler)
        execute("SET auto_explain.log_min_duration = -1")
        execute("RESET client_min_messages")
    plans = []
    for notice in notices:
        found = re.match(r"duration: ([\d.]+) ms\s+plan:\s*\nQuery Text: (.*?)\n(.*)", notice, re.S)
        if found:
            lines = found.group(3).splitlines()
            plans.append((found.group(2), float(found.group(1)), [line for line in lines if line]))
    return plans


def short(sql: str, keep: int = 150) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= keep else f"{sql[:keep]}… ({len(sql):,} characters)"


# 2. One scheduler pass


def measure_pass(world: World, args, jobs: NoJobs, redis_url: str) -> dict:
    from django.utils import timezone

    from followups.scheduler import scheduler_pass

    due_ids = sorted(
        row[0]
        for row in execute(
            "SELECT id FROM followups_touch WHERE channel = 'email' AND status = 'pending' "
            "AND due_at <= %s",
            [timezone.now()],
        )
    )
    assert len(due_ids) == args.due, (len(due_ids), args.due)
    open_work = execute(
        "SELECT channel, count(*) FROM followups_touch WHERE status = 'pending' "
        "AND due_at <= %s AND channel <> 'email' GROUP BY channel ORDER BY channel",
        [timezone.now()],
    )
    active = execute("SELECT count(*) FROM followups_enrolment WHERE status = 'active'")[0][0]
    print(
        f"pass     {active:,} active enrolments; due now: {len(due_ids):,} emails, and the reps' "
        + ", ".join(f"{count:,} {channel}" for channel, count in open_work)
        + " (left to the reps; the sweep checks the calls and personal emails)"
    )

    def reset():
        execute(
            "UPDATE followups_touch SET status = 'pending', claimed_at = NULL, "
            "claimed_by_id = NULL WHERE id = ANY(%s)",
            [due_ids],
        )
        execute("UPDATE crm_periodicrun SET last_queued_at = NULL")
        execute("VACUUM ANALYZE followups_touch")
        flush_redis(redis_url)
        jobs.jobs.clear()

    def project():
        return scheduler_pass()

    def baseline():
        now = timezone.now()
        claimed = []
        while True:
            rows = execute(
                "UPDATE followups_touch SET status = 'claimed', claimed_at = %s, "
                "claimed_by_id = NULL WHERE id IN (SELECT id FROM followups_touch "
                "WHERE channel = 'email' AND status = 'pending' AND due_at <= %s "
                "ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id",
                [now, now, CLAIM_BATCH],
            )
            claimed += [row[0] for row in rows]
            if len(rows) < CLAIM_BATCH:
                return claimed

    def claimed_now() -> list[int]:
        return sorted(
            row[0]
            for row in execute(
                "SELECT id FROM followups_touch WHERE status = 'claimed' AND channel = 'email'"
            )
        )

    runs: dict = {"project": [], "baseline": []}
    problems = []
    for number in range(args.repeat):
        names = ("project", "baseline") if number % 2 == 0 else ("baseline", "project")
        for name in names:
            reset()
            seconds, result = clock(project if name == "project" else baseline)
            runs[name].append(seconds)
            if claimed_now() != due_ids:
                problems.append(f"{name} run {number + 1} claimed other touches")
            if name == "project":
                jobs_text = job_summary(jobs, redis_url)
                queued = queued_ids(jobs, redis_url)
                if sorted(queued) != due_ids:
                    problems.append(f"the jobs carry {len(queued):,} ids, not the due ones")
                if result.dispatched != len(due_ids) or result.skipped:
                    problems.append(f"pass result {result}")
    project_median = statistics.median(runs["project"])
    ratio = project_median / statistics.median(runs["baseline"])
    print(f"  scheduler_pass()        {seconds_text(runs['project'])}")
    print(f"  bare claim loop         {seconds_text(runs['baseline'])}")
    print(f"  each run claimed exactly the {len(due_ids):,} due emails, queued {jobs_text}: "
          f"{'yes' if not problems else 'NO: ' + '; '.join(problems)}")  # fmt: skip
    print(f"  the pass under {PASS_GOAL_SECONDS:g} s: {met(project_median < PASS_GOAL_SECONDS)}; "
          f"ratio pass / bare claim loop at the median: {ratio:.2f}")  # fmt: skip
    breakdown(project, reset)
    statements(project, reset, args.explain)
    reset()
    return {"seconds": project_median, "ratio": ratio}


def breakdown(project, reset) -> None:
    """Where one more pass spends its time: its parts, each wrapped in a timer."""
    import crm.periodic
    import followups.scheduler as scheduler

    spent: dict[str, float] = {}

    def timed(module, name: str, label: str):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        return module, name, original, wrapper

    wrapped = [
        timed(scheduler, "calls_release_abandoned", "release abandoned calls"),
        timed(crm.periodic, "enqueue_due", "queue periodic tasks"),
        timed(scheduler, "undoable_steps_skip", "sweep undoable steps"),
        timed(scheduler, "_claim_due", "claim due touches"),
        timed(scheduler, "_dispatch", "queue delivery jobs"),
    ]
    reset()
    for module, name, _, wrapper in wrapped:
        setattr(module, name, wrapper)
    try:
        total, _ = clock(project)
    finally:
        for module, name, original, _ in wrapped:
            setattr(module, name, original)
    parts = ", ".join(f"{label} {seconds:.3f} s" for label, seconds in spent.items())
    print(f"  one more run, {total:.3f} s: {parts}")


def queued_ids(jobs: NoJobs, redis_url: str) -> list[int]:
    if redis_url:
        import django_rq

        queue = django_rq.get_queue("mail")
        found = [queue.fetch_job(job_id) for job_id in queue.get_job_ids()]
        return [pk for job in found if job.func_name.endswith("touches_deliver")
                for pk in job.args[1]]  # fmt: skip
    from followups.jobs import touches_deliver

    return [pk for func, args in jobs.jobs if func is touches_deliver for pk in args[1]]


def job_summary(jobs: NoJobs, redis_url: str) -> str:
    if redis_url:
        import django_rq

        counts = {name: django_rq.get_queue(name).count for name in ("mail", "default")}
        return f"{counts['mail']} jobs on “mail” and {counts['default']} on “default” (Redis)"
    from followups.jobs import touches_deliver

    mail = sum(1 for func, _ in jobs.jobs if func is touches_deliver)
    others = len(jobs.jobs) - mail
    return f"{mail} delivery job(s) and {others} other(s) (counted, not run)"


if __name__ == "__main__":
    main()
