"""RQ worker processes for the benchmarks: `manage.py rqworker QUEUE` with
production settings (DEBUG off), each its own process, its output in a
temporary file; started and registered before a clock starts, as production's
workers run all the time."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seed import ROOT


class WorkerProcess:
    def __init__(self, name: str, queue: str, *, worker_class: str = "", burst: bool = False):
        self.name, self.queue = name, queue
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{queue}-worker-", suffix=".log")  # noqa: SIM115 (closed in wait)
        command = [sys.executable, "manage.py", "rqworker", queue, "--name", name]
        if burst:
            command.append("--burst")
        if worker_class:
            command += ["--worker-class", worker_class]
        env = {**os.environ, "DJANGO_DEBUG": "", "LOG_LEVEL": "INFO"}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.startup_cpu = 0.0

    def wait_registered(self) -> None:
        """Until the worker is in its loop, waiting for jobs."""
        from django_rq import get_connection
        from rq import Worker

        connection = get_connection(self.queue)
        deadline = time.monotonic() + 60
        while not any(worker.name == self.name for worker in Worker.all(connection=connection)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.fail("the worker did not start")
            time.sleep(0.05)
        # CPU seconds spent starting (Django, imports), left out of the CPU per item.
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        self.startup_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        """Ask for a warm shutdown; see wait."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self):
        """The resource usage of the worker and the work horses it forked."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        if self.process.returncode not in (0, -signal.SIGTERM):
            self.fail(f"the worker exited with {self.process.returncode}")
        self.log.close()
        return usage

    def fail(self, why: str):
        self.log.seek(0)
        print(self.log.read().decode()[-4000:])
        if self.process.returncode is None:
            self.process.kill()
        sys.exit(why)
