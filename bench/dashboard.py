"""Benchmark: the manager's dashboard from its daily rollups, against the live queries.

    DATABASE_URL=postgres://... .venv/bin/python bench/dashboard.py
        [--sizes 250000:1250000,1000000:5000000] [--repeat 5] [--seed 1]

PostgreSQL only. For each size (leads:interactions), in a child process: a new
database on DATABASE_URL's server (dropped afterwards), migrated (the rollup
triggers in place), seeded as bench/audience.py seeds it: COPY of the leads,
their touches, enrolments, outbox emails and letters on six connections, the
interactions through a staging table and one INSERT ... SELECT in time order. The
triggers count those statements as they would count an import. Then the rollups
are counted again from the tables (reports_rollups_rebuild()) and the rows that
differ printed: the seed writes touches and outbox emails with ids chosen ahead, on their own
connection, before the leads they belong to are committed, so their trigger
finds no lead (no campaign) for them, which no path of the application can do
(a touch's lead is committed before anything can know its id). The rebuilt
rollups are the ones measured.

Measured for DashboardFilter.last_days(90) in UTC, "now" one instant: each
section's selector and dashboard() (every section, what the page shows), the
project (the rollups, with the pieces of days a time zone cuts read live) against
the baseline, the same selectors with DashboardFilter.live (the live queries as
they were before the rollups) in the same run, both cold first, then --repeat
runs taking turns at going first. The two must give equal results (the
sections' dataclasses compared whole). Then the same equality, and the whole
page's time, for Europe/Berlin and Asia/Kolkata (pieces of days read live), one
campaign, and the last 730 days.

Goal: the whole page under 300 ms at 1,000,000 leads / 5,000,000 interactions,
and flat as the data grows (the sizes side by side at the end). The machine may
be shared: the load average is printed at the start and the end of each size.
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import warnings
import zoneinfo
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from audience import NoJobs, Timing, captured, clock, compare, ms  # noqa: E402
from audience import seed as seed_world  # noqa: E402
from seed import ROOT, database_version, fresh_postgres, load, machine, server_settings  # noqa: E402

DAYS = 90
GOAL_SECONDS = 0.3
RESULT = "RESULT "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000:1250000,1000000:5000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # leads:interactions, in the child
    args = parser.parse_args()
    if args.one:
        args.leads, args.interactions = (int(n) for n in args.one.split(":"))
        child(args)
        return
    results, children = [], []
    for size in args.sizes.split(","):
        command = [sys.executable, __file__, "--one", size, "--repeat", str(args.repeat)]
        command += ["--seed", str(args.seed)]
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
        children.append(process)
        # Printed as it comes, and the next size started once this one's result is
        # in: dropping its database may wait for another session on a shared server.
        for line in process.stdout:
            if line.startswith(RESULT):
                results.append(json.loads(line.removeprefix(RESULT)))
                break
            print(line, end="", flush=True)
        else:
            sys.exit(f"size {size} failed (exit status {process.wait()})")
    print("whole page as the data grows (dashboard(), last 90 days, UTC; median ms):")
    print(f"  {'leads':>10} {'interactions':>13} {'project':>9} {'baseline':>9} {'ratio':>7}")
    for result in results:
        print(
            f"  {result['leads']:>10,} {result['interactions']:>13,} {result['project']:>9} "
            f"{result['baseline']:>9} {result['ratio']:>7}"
        )
    for process in children:
        process.wait()  # each database dropped


def child(args) -> None:
    with fresh_postgres(f"dashboard_{os.getpid()}") as url:
        run(args, url)


def run(args, url: str) -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",
            "JOBS_MODE": "thread",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    warnings.filterwarnings("ignore", message="No directory at")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    import config.jobs

    config.jobs._runner = NoJobs()
    call_command("migrate", verbosity=0)
    settings.DEBUG = False
    print(f"Dashboard benchmark, {args.leads:,} leads, {args.interactions:,} interactions")
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    seed_world(args, url)
    print(f"rollups  {rollup_rows()}")
    print(f"rebuilt  {rebuilt()}")
    now = timezone.now()
    print(f"now      {now:%Y-%m-%d %H:%M:%S} UTC (one instant for every query)")
    page = measure(now, args)
    check_others(now, args)
    slowest(now)
    print(f"load average {load()} at the end (other work here skews timings)")
    result = {"leads": args.leads, "interactions": args.interactions}
    result |= {
        "project": ms(page[0].median),
        "baseline": ms(page[1].median),
        "ratio": f"{page[0].median / page[1].median:.3f}",
    }
    print(RESULT + json.dumps(result), flush=True)


def rollup_rows() -> str:
    from django.apps import apps

    return ", ".join(
        f"{name} {apps.get_model('reports', name).objects.count():,} rows" for name in ROLLUPS
    )


ROLLUPS = {
    "LeadRollup": ("day", "campaign", "stage", "leads"),
    "OwnerRollup": ("owner", "campaign", "leads"),
    "CallRollup": ("day", "campaign", "user", "calls", "connected", "meetings", "voicemail"),
    "TouchRollup": ("day", "campaign", "channel", "planned", "done", "skipped"),
    "EmailRollup": ("day", "campaign", "step", "variant", "sent", "opened", "replied"),
    "CadenceRollup": ("day", "campaign", "cadence", "unsubscribed", "calls"),
}


def rebuilt() -> str:
    """The rollups as the triggers kept them, against the same counted again from
    the tables (reports_rollups_rebuild(), which then stays)."""
    from django.apps import apps
    from django.db import connection

    def rows() -> dict[str, set]:
        return {
            name: set(apps.get_model("reports", name).objects.values_list(*columns))
            for name, columns in ROLLUPS.items()
        }

    with connection.cursor() as cursor:  # one row a key, as the periodic task leaves them
        cursor.execute("SELECT reports_rollups_compact()")
        cursor.execute("SELECT reports_cadencerollup_compact()")
    kept = rows()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_rollups_rebuild()")
        cursor.execute("SELECT reports_cadencerollup_rebuild()")
    again = rows()
    return (
        ", ".join(f"{name} {len(kept[name] ^ again[name]) // 2:,} rows differ" for name in ROLLUPS)
        + " (the triggers' rows against those counted again; the rebuilt ones stay)"
    )


def measure(now, args) -> tuple[Timing, Timing]:
    from reports.selectors import SECTIONS, DashboardFilter, dashboard

    filters = DashboardFilter.last_days(DAYS, now=now)
    live = dataclasses.replace(filters, live=True)
    print(
        f"dashboard: the last {DAYS} days ({filters.start:%Y-%m-%d} to {filters.last_day:%Y-%m-%d}"
        f", UTC), no campaign; project = the rollups, baseline = the live queries "
        "(DashboardFilter.live); times in ms"
    )
    print(
        f"  {'section':<10} {'queries':>7} {'median':>8} {'max':>8} {'cold':>8} | {'queries':>7} "
        f"{'median':>8} {'max':>8} {'cold':>8} | {'ratio':>6}  equal"
    )
    for name, selector in [*SECTIONS.items(), ("page", dashboard)]:
        project, baseline, mine, theirs = compare(
            lambda s=selector: s(filters), lambda s=selector: s(live), args.repeat
        )
        queries = len(captured(lambda s=selector: s(filters)))
        live_queries = len(captured(lambda s=selector: s(live)))
        ratio = project.median / baseline.median
        equal = "yes" if same(mine, theirs) else "NO: the numbers differ"
        print(
            f"  {name:<10} {queries:>7} {project.text()} | {live_queries:>7} {baseline.text()} | "
            f"{ratio:>6.3f}  {equal}"
        )
    met = "met" if project.median < GOAL_SECONDS else "NOT met"
    print(f"  whole page {ms(project.median)} ms: goal < {GOAL_SECONDS * 1000:.0f} ms {met}")
    return project, baseline


def check_others(now, args) -> None:
    """The rollups equal the live queries for other time zones, a campaign and a
    longer period (one run each, timed)."""
    from crm.models import Campaign
    from reports.selectors import DashboardFilter, dashboard

    campaign = Campaign.objects.filter(name="Expo 2026").first()
    cases = [
        (f"{name}, 90 days", DashboardFilter.last_days(DAYS, now=now, time_zone=zone(name)))
        for name in ("Europe/Berlin", "Asia/Kolkata")
    ]
    cases += [
        (f"{campaign.name}, 90 days", DashboardFilter.last_days(DAYS, now=now, campaign=campaign)),
        ("UTC, 730 days", DashboardFilter.last_days(730, now=now)),
    ]
    print("dashboard(), other filters: one run each after a cold one, ms")
    for label, filters in cases:
        dashboard(filters)
        project, mine = clock(lambda f=filters: dashboard(f))
        baseline, theirs = clock(lambda f=filters: dashboard(dataclasses.replace(f, live=True)))
        equal = "yes" if same(mine, theirs) else "NO: the numbers differ"
        print(
            f"  {label:<34} project {ms(project):>8}  baseline {ms(baseline):>8}  "
            f"ratio {project / baseline:.3f}  equal {equal}"
        )


def slowest(now, shown: int = 6) -> None:
    """Where the page's time goes: its slowest queries (one run, after the others)."""
    from reports.selectors import DashboardFilter, dashboard

    for name in ("UTC", "Europe/Berlin"):
        filters = DashboardFilter.last_days(DAYS, now=now, time_zone=zone(name))
        queries = captured(lambda f=filters: dashboard(f))
        total = sum(float(query["time"]) for query in queries)
        print(f"dashboard(), {name}: {len(queries)} queries, {total * 1000:.1f} ms in the database")
        for query in sorted(queries, key=lambda query: -float(query["time"]))[:shown]:
            print(f"  {float(query['time']) * 1000:>7.1f} ms  {query['sql'][:150]}")


def same(mine, theirs) -> bool:
    """Equal numbers: a Dashboard is compared without its filters (live differs)."""
    if hasattr(mine, "filters"):
        mine, theirs = (dataclasses.replace(page, filters=None) for page in (mine, theirs))
    return mine == theirs


def zone(name: str):
    return zoneinfo.ZoneInfo(name)


if __name__ == "__main__":
    main()
