"""bench/cadence.py seeds, measures and checks itself on a tiny world: both ways of
enrolling write the same rows, the pass and the bare loop claim exactly the due
emails, and the benchmark's database is dropped afterwards."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.db import connection

from tests.conftest import need

BENCH = Path(__file__).resolve().parent.parent / "bench" / "cadence.py"


def test_a_tiny_run_seeds_measures_checks_and_cleans_up():
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # The benchmark makes a database of its own on DATABASE_URL's server, through the
    # server's maintenance database (the one named may not exist: tests use test_<name>).
    server = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}  # no flush
    env["DATABASE_URL"] = server
    arguments = ["--leads", "60", "--enrolments", "400", "--due", "40", "--repeat", "1"]

    bench = subprocess.Popen(
        [sys.executable, str(BENCH), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, _ = bench.communicate(timeout=300)

    assert bench.returncode == 0, output
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    assert re.search(r"\bemail [\d,]+ \(40 due\)", lines["seeded"]), lines["seeded"]
    assert "enrolled each run: 60: yes; same rows both ways" in output
    assert "(digest of every enrolment and touch): yes" in output
    claimed = next(line for line in output.splitlines() if "claimed exactly the 40" in line)
    assert claimed.endswith(": yes"), claimed
    assert "peak memory, the sync in a process of its own" in output
    with psycopg.connect(server, autocommit=True) as admin:
        left = admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            [f"crm_bench_cadence_{bench.pid}"],
        ).fetchone()[0]
    assert left == 0
