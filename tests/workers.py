"""Real RQ worker processes for the tests that need them, on the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def rq_worker_process(queue: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`manage.py rqworker QUEUE --burst` (rq's SimpleWorker) in its own process group."""
    db = connection.settings_dict
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "JOBS_MODE": "rq",
        "SITE_URL": settings.SITE_URL,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "rqworker", queue, "--burst"]
    return subprocess.Popen(
        [*command, "--worker-class", "rq.SimpleWorker"],
        cwd=ROOT,
        env=environment | (env or {}),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
