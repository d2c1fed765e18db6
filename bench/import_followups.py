"""Benchmark: what follows a 100,000-visit booth import, against a hand-written INSERT … SELECT.

    DATABASE_URL=postgres://... [BENCH_DATABASE_PREFIX=me_] \\
        .venv/bin/python bench/import_followups.py [--visits 100000] [--repeat 3] [--per-row 2000]

PostgreSQL only: a new database on DATABASE_URL's server, dropped afterwards.
No Redis: the jobs run in this process, one after the other, as one worker runs
them (config.jobs' thread runner is replaced by a queue this loop drains).

Seeding (timed, not part of the results), set-based: 40 reps, a manager, the
event "Expo 2026" (ended yesterday), a holiday in Germany on the next weekday,
the plays a new installation starts with (the migrations), of which the booth
play "Booth visit at an event" is the one with a booth-visit trigger (any
event): a call the next business day (calling hours' opening, their time),
then an email 2 business days, a letter 5 and a call 7 after enrolment. An
active audience "Expo 2026 booth visitors" (visited the booth at Expo 2026).
Then --visits leads, one INSERT … SELECT over generate_series, in the places of
bench/cadence.py (15 time zones and countries): half known before the event
(an owner each, one of the reps), half new (no owner: an import gives none),
one in 20 without a phone (the call is skipped, and the email planned); and
one booth visit each, recorded by one import (LeadImport) a minute ago, in one
INSERT … SELECT. The leads' scores are worked out once (the visit's points),
so that both runs below meet the scores the project's rescoring finds.

Measured, --repeat times each (the median counts), the two taking turns at going
first, the database put back between runs (enrolments, touches, audit entries,
audience members deleted; owners as seeded):

  project   crm.imports.jobs.lead_import_recorded(import id), and every job it
            queues (the next batch of visits, each), until none is left: per
            batch of 5,000 visits the interaction hooks set-based (stage
            progression, suppression list, scores, referral codes, audiences,
            cadence exits and enrolments with their first touches, the least
            busy rep picked for a lead without an owner, who becomes its
            owner, with an audit entry each).
  baseline  hand-written SQL writing the same enrolments, touches, owners and
            audience members: the first call's and the email's due time per
            place (followups.cadences.timing.step_due, the same function), who
            calls each lead without an owner (the least busy rep, counted in a
            Python loop over the visits' ids: no SQL says it in one
            statement), then one statement: WITH claimed AS (UPDATE the
            leads' owners), new AS (INSERT INTO enrolments … SELECT … FROM the
            visits … RETURNING …) INSERT INTO touches … SELECT … FROM new (the
            call, or for a lead without a phone the skipped call and the
            email); and one INSERT … SELECT of the audience's members. No
            scores, audit entries or checks: what the project does besides.

The rows must be the same: a digest of every enrolment with its touches (all
columns but ids and the run's own timestamps; each touch's key checked against
its enrolment), of the leads' owners and of the audience's members. Goal: the
project done within 60 s. With --per-row N, the per-row path the project
replaced (interaction_hooks.run_many on the first N visits, in batches of
1,000 as the job did) is timed too, and its rate shown for comparison.

With --profile, one more project run under cProfile (BENCH_PROFILE_CLOCK=cpu: in
this process's CPU time), its figures printed and saved.

With --without-rollup-triggers, one more project run with the dashboard's rollup
triggers (reports migrations 0002, 0004) disabled, then the rollups counted again:
what the triggers cost the run. With --explain MS, one more project run with
auto_explain in the session (nested statements too, so the triggers' own): the
statements that took MS or more, summed by text, and their plans in a file.

The machine may be shared: the load average is printed at the start and the end.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (psycopg uses it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from cadence import (  # noqa: E402
    HOLIDAY_COUNTRY,
    PLACES,
    REPS,
    clock,
    django_setup,
    execute,
    insert_generated,
    met,
    seconds_text,
    sql_array,
)
from seed import database_version, fresh_postgres, load, machine, server_settings, step  # noqa: E402

GOAL_SECONDS = 60.0
PER_ROW_BATCH = 1000  # the follow-up job's batch before it went set-based
BOOTH_PLAY = "booth_visit"  # the installed play's key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each; the median counts.")
    parser.add_argument(
        "--per-row", type=int, default=0, help="Also time the per-row path on this many visits."
    )
    parser.add_argument("--profile", action="store_true", help="Where a project run's time goes.")
    parser.add_argument(
        "--explain",
        type=float,
        default=0,
        metavar="MS",
        help="One more project run with auto_explain: the plans (with the rollup "
        "triggers' statements) of each statement that took MS or more, and the time "
        "per statement summed.",
    )
    parser.add_argument(
        "--without-rollup-triggers",
        action="store_true",
        help="One more project run with the dashboard's rollup triggers disabled: "
        "what they cost the run.",
    )
    args = parser.parse_args()
    if args.visits < 100:
        sys.exit("--visits must be at least 100")
    with fresh_postgres(f"crm_bench_import_followups_{os.getpid()}"):
        run(args)


def run(args) -> None:
    django_setup("")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    import config.jobs

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in the timed parts
    worker = OneWorker()
    config.jobs._runner = worker
    print(f"Import follow-ups benchmark: {args.visits:,} booth visits of one import")
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    world = seed(args.visits)
    runs: dict[str, list[float]] = {"project": [], "baseline": []}
    cpu: dict[str, list[tuple[float, float]]] = {"project": [], "baseline": []}
    digests: dict[str, list] = {"project": [], "baseline": []}
    jobs_run: Counter = Counter()
    actions = {
        "project": lambda: jobs_run.update(worker.drain(world.lead_import, world)),
        "baseline": lambda: baseline(world),
    }
    for number in range(args.repeat):
        for name in ("project", "baseline") if number % 2 == 0 else ("baseline", "project"):
            put_back(world)
            before = cpu_seconds()
            seconds, _ = clock(actions[name])
            used = tuple(after - then for after, then in zip(cpu_seconds(), before, strict=True))
            runs[name].append(seconds)
            cpu[name].append(used)
            digests[name].append(digest(world))
            print(f"  run {number + 1} {name:<8} {seconds:7.2f} s (CPU: this process "
                  f"{used[0]:.2f} s, its database backend {used[1]:.2f} s)")  # fmt: skip
    report(args, world, runs, digests, jobs_run, cpu)
    if args.profile:
        profile(world, worker)
    if args.without_rollup_triggers:
        without_rollup_triggers(world, worker, statistics.median(runs["project"]))
    if args.explain:
        explain(world, worker, args.explain)
    if args.per_row:
        per_row(args, world, statistics.median(runs["project"]))
    print(f"load average {load()} at the end (other work here skews timings)")


def cpu_seconds() -> tuple[float, float]:
    """CPU time so far of this process and of its PostgreSQL backend (on this
    machine: /proc), which together are the run's work whatever else runs here."""
    from django.db import connection

    backend = execute("SELECT pg_backend_pid()")[0][0]
    fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    connection.ensure_connection()
    return time.process_time(), (int(fields[11]) + int(fields[12])) / ticks


class OneWorker:
    """Stands in for config.jobs' thread runner: queues the jobs, and drain() runs
    them one after the other, as one worker takes them from its queue."""

    def __init__(self):
        self.jobs: list[tuple] = []

    def submit(self, runner, func, args) -> None:
        self.jobs.append((func, args))

    def drain(self, lead_import_id: int, world) -> Counter:
        from crm.imports.jobs import lead_import_recorded

        self.jobs = [(lead_import_recorded, (lead_import_id,))]
        ran: Counter = Counter()
        while self.jobs:
            func, args = self.jobs.pop(0)
            func(*args)
            ran[f"{func.__module__}.{func.__name__}"] += 1
        return ran


class World:
    def __init__(self, **fields):
        self.__dict__.update(fields)


# Seeding ---------------------------------------------------------------------------


def seed(visits: int) -> World:
    from django.utils import timezone

    started = time.perf_counter()
    now = timezone.now()
    print(f"seeding  (now {now:%Y-%m-%d %H:%M} UTC, a {now:%A})")
    with step("users, campaign, holiday, audience"):
        world = create_world(now)
    with step(f"{visits:,} leads"):
        insert_leads(visits, world.reps, now)
    with step(f"{visits:,} booth visits, one import"):
        insert_visits(world, visits, now)
    with step("their scores"):
        from crm.scoring.services import scores_update

        scores_update(lead_ids=range(1, visits + 1), now=now)
        execute("CREATE TABLE bench_owner AS SELECT id, owner_id FROM crm_lead")
    with step("VACUUM ANALYZE"):
        execute("VACUUM ANALYZE")
    world.visits = visits
    print(f"seeded   in {time.perf_counter() - started:.0f} s")
    return world


def create_world(now: dt.datetime) -> World:
    from django.contrib.auth.models import Group

    from crm.audiences.models import Audience
    from crm.audiences.rules.checking import definition_clean
    from crm.models import Campaign, LeadImport, User
    from followups.cadences.models import Cadence, CadenceTrigger
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
        is_active=True,
        created_by=manager,
    )
    booth = Cadence.objects.get(installed=BOOTH_PLAY)
    triggers = CadenceTrigger.objects.filter(kind="booth_visit", cadence__is_active=True)
    assert list(triggers.values_list("cadence", flat=True)) == [booth.pk], "one booth play"
    lead_import = LeadImport.objects.create(
        filename="expo-2026.csv",
        content=b"",
        campaign=expo,
        status=LeadImport.Status.DONE,
        created_by=manager,
    )
    return World(
        reps=reps,
        expo=expo,
        audience=audience,
        booth=booth,
        holiday=holiday,
        lead_import=lead_import.pk,
        recorded_at=now - dt.timedelta(minutes=1),
    )


def insert_leads(count: int, reps: list[int], now: dt.datetime) -> None:
    """Odd ids new (no owner), even ids known (a rep each); one in 20 without a phone."""
    from crm.models import Lead

    zones = [zone for zone, _, weight in PLACES for _ in range(weight)]
    countries = [country for _, country, weight in PLACES for _ in range(weight)]
    stamp = f"'{now.isoformat()}'::timestamptz"
    place = f"(1 + mod(g * 7919, {len(zones)}))"
    insert_generated(
        Lead,
        "generate_series(1, %s::bigint) AS g",
        {
            "first_name": "'Visitor'",
            "last_name": "'No. ' || g",
            "email": "'visitor' || g || '@bench.example'",
            "phone": "CASE WHEN mod(g, 20) = 0 THEN '' ELSE '+1555' || lpad(g::text, 7, '0') END",
            "company": "'Company ' || mod(g, 5000)",
            "country": f"{sql_array(countries)}[{place}]",
            "time_zone": f"{sql_array(zones)}[{place}]",
            "owner_id": f"CASE WHEN mod(g, 2) = 0 THEN {sql_array(reps, 'bigint')}"
            f"[1 + mod(g / 2, {len(reps)})] END",
            "email_consent": "'confirmed'",
            "created_at": stamp,
            "updated_at": stamp,
            "last_activity_at": stamp,
        },
        [count],
    )


def insert_visits(world: World, count: int, now: dt.datetime) -> None:
    from crm.models import Interaction

    insert_generated(
        Interaction,
        "generate_series(1, %s::bigint) AS g",
        {
            "lead_id": "g",
            "kind": "'booth_visit'",
            "occurred_at": f"'{(now - dt.timedelta(days=2)).isoformat()}'::timestamptz",
            "campaign_id": str(int(world.expo.pk)),
            "lead_import_id": str(int(world.lead_import)),
            "created_at": f"'{world.recorded_at.isoformat()}'::timestamptz",
        },
        [count],
    )


def put_back(world: World) -> None:
    """The database as seeded: no enrolment, touch, audit entry or member; the
    owners as they were."""
    execute("DELETE FROM followups_touch")
    execute("DELETE FROM followups_enrolment")
    execute("DELETE FROM crm_auditentry")
    execute("DELETE FROM crm_audiencemember")
    execute("UPDATE crm_audience SET member_count = 0")
    execute(
        "UPDATE crm_lead l SET owner_id = b.owner_id FROM bench_owner b "
        "WHERE b.id = l.id AND l.owner_id IS DISTINCT FROM b.owner_id"
    )
    execute("VACUUM ANALYZE crm_lead, followups_touch, followups_enrolment, crm_audiencemember")


# The baseline ----------------------------------------------------------------------


def baseline(world: World) -> None:
    from django.db import connection

    from followups.cadences.timing import step_due

    call, email = world.booth.steps.order_by("position")[:2]
    at = world.recorded_at
    places = execute(
        "SELECT DISTINCT l.time_zone, l.country FROM crm_interaction i "
        "JOIN crm_lead l ON l.id = i.lead_id WHERE i.lead_import_id = %s",
        [world.lead_import],
    )
    due = {
        place: [
            step_due(s, after=at, enrolled_at=at, time_zone=place[0], country=place[1])
            for s in (call, email)
        ]
        for place in places
    }
    leads, people = least_busy_picks(world)
    source = booth_source(world)
    name = world.booth.name
    values = ", ".join(
        f"(%(tz{n})s, %(country{n})s, %(call{n})s::timestamptz, %(email{n})s::timestamptz)"
        for n in range(len(places))
    )
    sql = f"""
        WITH places (tz, country, call_due, email_due) AS (VALUES {values}),
        picks AS (SELECT * FROM unnest(%(leads)s::bigint[], %(people)s::bigint[])
            AS p (lead_id, person)),
        claimed AS (
            UPDATE crm_lead l SET owner_id = p.person FROM picks p
            WHERE l.id = p.lead_id AND l.owner_id IS NULL
        ),
        visit AS (
            SELECT i.id AS interaction_id, i.lead_id, l.score,
                COALESCE(l.owner_id, p.person) AS person,
                (l.phone = '' OR l.do_not_call OR l.phone_invalid
                    OR COALESCE(l.calls_paused_until > places.call_due, false)) AS barred,
                places.call_due, places.email_due
            FROM crm_interaction i JOIN crm_lead l ON l.id = i.lead_id
            JOIN places ON places.tz = l.time_zone AND places.country = l.country
            LEFT JOIN picks p ON p.lead_id = l.id
            WHERE i.lead_import_id = %(import)s
        ),
        new AS (
            INSERT INTO followups_enrolment (cadence_id, lead_id, status, step_id, attempt,
                source, enrolled_by_id, enrolled_at, exit_reason, interaction_id)
            SELECT %(cadence)s, v.lead_id, 'active',
                CASE WHEN v.barred THEN %(email)s ELSE %(call)s END, 1, %(source)s, NULL,
                %(at)s, '', v.interaction_id
            FROM visit v ORDER BY v.interaction_id
            RETURNING id, interaction_id
        )
        INSERT INTO followups_touch (lead_id, channel, due_at, status, reason, reason_at,
            talking_points, priority, assigned_to_id, origin, attempt, key, outcome,
            held_reason, created_at, completed_at, enrolment_id, step_id, interaction_id)
        SELECT v.lead_id, s.channel, CASE WHEN s.first THEN v.call_due ELSE v.email_due END,
            CASE WHEN s.first AND v.barred THEN 'skipped' ELSE 'pending' END,
            s.reason, %(at)s, s.script,
            CASE WHEN s.first THEN s.priority + GREATEST(0, LEAST(v.score / 10, 30)) ELSE 40 END,
            v.person, %(origin)s, 1, 'cadence:' || new.id || ':step:' || s.id || ':1',
            CASE WHEN s.first AND v.barred THEN 'calls to them are barred' ELSE '' END, '',
            now(), CASE WHEN s.first AND v.barred THEN now() END, new.id, s.id,
            v.interaction_id
        FROM new JOIN visit v ON v.interaction_id = new.interaction_id
        JOIN (VALUES (true, %(call)s::bigint, 'call', %(call_reason)s, %(script)s,
                      %(priority)s::int),
                     (false, %(email)s::bigint, 'email', %(email_reason)s, '', 40))
            AS s (first, id, channel, reason, script, priority)
            ON s.first OR v.barred
        ORDER BY new.id, s.first DESC
    """
    params = {
        "leads": leads,
        "people": people,
        "import": world.lead_import,
        "cadence": world.booth.pk,
        "call": call.pk,
        "email": email.pk,
        "source": source,
        "at": at,
        "origin": f"Cadence: {name}"[:100],
        "call_reason": f"{name}, step 1 (call): {source}"[:300],
        "email_reason": f"{name}, step 2 (email): {source}"[:300],
        "script": call.script,
        "priority": call.priority,
    }
    for n, ((tz, country), (call_due, email_due)) in enumerate(due.items()):
        params |= {f"tz{n}": tz, f"country{n}": country, f"call{n}": call_due}
        params[f"email{n}"] = email_due
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(" ".join(sql.split()), params)  # one line: as a log would show it
        cursor.execute(
            "INSERT INTO crm_audiencemember (audience_id, lead_id, joined_at) "
            "SELECT DISTINCT %s, lead_id, now() FROM crm_interaction "
            "WHERE campaign_id = %s AND kind = 'booth_visit' ON CONFLICT DO NOTHING",
            [world.audience.pk, world.expo.pk],
        )
        cursor.execute("COMMIT")


def least_busy_picks(world: World) -> tuple[list[int], list[int]]:
    """Who calls each lead without an owner: the least busy rep (fewest open
    touches, then the lowest id), each visit in turn adding one open touch to
    whoever it goes to (its call, or its email when the call is skipped)."""
    open_now = dict(
        execute(
            "SELECT assigned_to_id, count(*) FROM followups_touch WHERE status IN "
            "('pending', 'claimed', 'held') AND assigned_to_id IS NOT NULL GROUP BY 1"
        )
    )
    counts = {rep: open_now.get(rep, 0) for rep in world.reps}
    leads, people = [], []
    rows = execute(
        "SELECT l.id, l.owner_id FROM crm_interaction i JOIN crm_lead l ON l.id = i.lead_id "
        "WHERE i.lead_import_id = %s ORDER BY i.id",
        [world.lead_import],
    )
    for lead_id, owner in rows:
        if owner is None:
            owner = min(counts, key=lambda rep: (counts[rep], rep))
            leads.append(lead_id)
            people.append(owner)
        if owner in counts:
            counts[owner] += 1
    return leads, people


def booth_source(world: World) -> str:
    """What enrols them, in the timeline's words: the same for every visit here."""
    from crm.models import Interaction
    from followups.cadences.triggers import describe

    visits = Interaction.objects.filter(lead_import_id=world.lead_import).select_related("campaign")
    first, last = visits.order_by("pk").first(), visits.order_by("-pk").first()
    assert describe(first) == describe(last)
    return describe(first)


# Checking and reporting ------------------------------------------------------------

ROWS = """
SELECT count(DISTINCT e.id), count(*),
    md5(string_agg(concat_ws('|', e.lead_id, e.status, e.step_id, e.attempt, e.source,
        e.enrolled_by_id, e.interaction_id, e.exit_reason, e.enrolled_at, e.ended_at,
        t.lead_id, t.channel, t.due_at, t.status, t.reason, t.reason_at, t.talking_points,
        t.priority, t.assigned_to_id, t.origin, t.attempt, t.outcome, t.held_reason,
        t.step_id, t.interaction_id, t.completed_at IS NULL,
        t.key = 'cadence:' || e.id || ':step:' || t.step_id || ':' || t.attempt),
        ',' ORDER BY e.interaction_id, t.step_id))
FROM followups_enrolment e JOIN followups_touch t ON t.enrolment_id = e.id
"""
OWNERS = (
    "SELECT count(owner_id), md5(string_agg(id || ':' || owner_id, ',' ORDER BY id)) FROM crm_lead"
)
MEMBERS = """
SELECT count(*), md5(string_agg(audience_id || ':' || lead_id, ',' ORDER BY audience_id, lead_id))
FROM crm_audiencemember
"""


def digest(world: World) -> tuple:
    return (execute(ROWS)[0], execute(OWNERS)[0], execute(MEMBERS)[0])


def report(args, world: World, runs: dict, digests: dict, jobs_run: Counter, cpu: dict) -> None:
    (enrolments, touches, _), (owned, _), (members, _) = digests["project"][0]
    skipped = execute("SELECT count(*) FROM followups_touch WHERE status = 'skipped'")[0][0]
    same = len({d for ds in digests.values() for d in ds}) == 1
    project, base = statistics.median(runs["project"]), statistics.median(runs["baseline"])
    print(f"follow-ups of {args.visits:,} visits into “{world.booth.name}” (call the next business "
          f"day at calling hours' opening, their time; {HOLIDAY_COUNTRY} has a holiday on "
          f"{world.holiday:%a %d %b})")  # fmt: skip
    ran = ", ".join(
        f"{name.rsplit('.', 1)[-1]} x {n // args.repeat}" for name, n in jobs_run.items()
    )
    print(f"  jobs run, per project run: {ran}")
    print(f"  written: {enrolments:,} enrolments, {touches:,} touches ({skipped:,} calls skipped: "
          f"no phone), {owned:,} leads with an owner, {members:,} audience members")  # fmt: skip
    print(f"  project (the follow-up jobs)   {seconds_text(runs['project'])}")
    print(f"  hand-written SQL               {seconds_text(runs['baseline'])}")
    print(f"  same rows both ways (enrolments with their touches, owners, members): "
          f"{'yes' if same else 'NO ' + str(digests)}")  # fmt: skip
    print(f"  ratio project / baseline at the median: {project / base:.2f}")
    for name, used in cpu.items():
        python = statistics.median(u[0] for u in used)
        database = statistics.median(u[1] for u in used)
        print(f"  CPU at the median, {name}: this process {python:.1f} s + its database backend "
              f"{database:.1f} s = {python + database:.1f} s (what the run costs on a quiet "
              f"machine, where the two take turns)")  # fmt: skip
    print(f"  project: {args.visits / project:,.0f} visits/s; done within {GOAL_SECONDS:g} s "
          f"of the import's end: {met(project <= GOAL_SECONDS)} ({project:.1f} s)")  # fmt: skip


def profile(world: World, worker: OneWorker) -> None:
    """One more project run under cProfile: the functions it spent most time in.
    BENCH_PROFILE_CLOCK=cpu times it in this process's CPU time instead of wall
    time (on a shared machine, waiting for the database or a core is not the
    run's Python work); the stats are saved to a file for pstats to compare."""
    import cProfile
    import pstats

    put_back(world)
    cpu = os.environ.get("BENCH_PROFILE_CLOCK") == "cpu"
    profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    profiler.runcall(worker.drain, world.lead_import, world)
    path = Path(f"/tmp/import_followups_profile_{os.getpid()}.prof")
    profiler.dump_stats(path)
    print(f"  profile ({'CPU' if cpu else 'wall'} time): {path}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)


ROLLUP_TRIGGERS_ON = """
    SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE t.tgname LIKE 'reports\\_%' AND NOT t.tgisinternal"""


def without_rollup_triggers(world: World, worker: OneWorker, project_seconds: float) -> None:
    """One more project run with the rollup triggers disabled, and the rollups
    counted again afterwards (reports_rollups_rebuild)."""
    triggers = execute(ROLLUP_TRIGGERS_ON)
    put_back(world)
    for table, name in triggers:
        execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    try:
        before = cpu_seconds()
        seconds, _ = clock(lambda: worker.drain(world.lead_import, world))
        used = [after - then for after, then in zip(cpu_seconds(), before, strict=True)]
    finally:
        for table, name in triggers:
            execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        execute("SELECT reports_rollups_rebuild()")
    print(f"  project without the rollup triggers ({len(triggers)} disabled): {seconds:.2f} s "
          f"(CPU: this process {used[0]:.2f} s, its database backend {used[1]:.2f} s); "
          f"the triggers' share of the median: {project_seconds - seconds:.2f} s")  # fmt: skip
    put_back(world)


def explain(world: World, worker: OneWorker, milliseconds: float) -> None:
    """One more project run with auto_explain logging to this session (nested
    statements too: the triggers'), then the statements by the time they took."""
    from django.db import connection

    put_back(world)
    plans: list[str] = []
    connection.ensure_connection()
    connection.connection.add_notice_handler(lambda notice: plans.append(notice.message_primary))
    for setting in (
        "LOAD 'auto_explain'",
        f"SET auto_explain.log_min_duration = {milliseconds:g}",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_timing = off",
        "SET auto_explain.log_nested_statements = on",
        "SET auto_explain.log_level = notice",
    ):
        execute(setting)
    seconds, _ = clock(lambda: worker.drain(world.lead_import, world))
    execute("SET auto_explain.log_min_duration = -1")
    summed: Counter = Counter()
    counted: Counter = Counter()
    for plan in plans:
        if not plan.startswith("duration: "):
            continue
        took = float(plan.split()[1])
        text = plan.split("Query Text: ", 1)[-1].split("\n", 1)[0].strip()[:110]
        summed[text] += took
        counted[text] += 1
    print(f"  explained run: {seconds:.2f} s; statements over {milliseconds:g} ms, by time "
          f"summed (a trigger's statement counts inside the one that fired it too):")  # fmt: skip
    for text, took in summed.most_common(25):
        print(f"    {took / 1000:7.2f} s  x{counted[text]:<4} {text}")
    path = Path(f"/tmp/import_followups_explain_{os.getpid()}.txt")
    path.write_text("\n\n".join(plans))
    print(f"  the plans: {path}")
    put_back(world)


def per_row(args, world: World, project_seconds: float) -> None:
    """The per-row path the job ran before, on the first --per-row visits."""
    from crm import interaction_hooks
    from crm.models import Interaction

    put_back(world)
    visits = (
        Interaction.objects.filter(lead_import_id=world.lead_import)
        .select_related("lead", "campaign")
        .order_by("pk")
    )
    ids = list(visits.values_list("pk", flat=True)[: args.per_row])

    def one_by_one():
        for start in range(0, len(ids), PER_ROW_BATCH):
            interaction_hooks.run_many(
                list(visits.filter(pk__in=ids[start : start + PER_ROW_BATCH]))
            )

    seconds, _ = clock(one_by_one)
    rate = len(ids) / seconds
    print(f"  per-row path (run_many, {PER_ROW_BATCH:,} a batch) on {len(ids):,} visits: "
          f"{seconds:.1f} s = {rate:,.0f} visits/s, {1000 / rate:.1f} ms a visit: "
          f"{args.visits / rate:,.0f} s for {args.visits:,}; the set-based path is "
          f"{(args.visits / rate) / project_seconds:.0f} times faster")  # fmt: skip
    put_back(world)


if __name__ == "__main__":
    main()
