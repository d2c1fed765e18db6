import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from followups.scheduler import scheduler_pass


class Command(BaseCommand):
    help = (
        "Every few seconds: release abandoned call claims and dispatch due touches to the "
        "job queue. Safe to run on several machines at once. SIGTERM or SIGINT stops it "
        "once the pass under way is over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=settings.SCHEDULER_INTERVAL_SECONDS, help="Seconds."
        )

    def handle(self, *args, once, interval, **options):
        if once:
            self._pass(options["verbosity"])
            return
        stopping = _stop_requested_by_signals()
        while not stopping():
            self._pass(options["verbosity"])
            close_old_connections()
            _sleep(interval, until=stopping)

    def _pass(self, verbosity: int) -> None:
        result = scheduler_pass()
        if verbosity > 1 or result.dispatched or result.released_calls:
            self.stdout.write(
                f"dispatched {result.dispatched}, released {result.released_calls} calls"
            )


def _stop_requested_by_signals():
    """A process manager (honcho, systemd) stops the scheduler with SIGTERM: the pass
    under way finishes rather than being cut off mid-dispatch, and the exit is 0."""
    requested = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: requested.append(True))
    return lambda: bool(requested)


def _sleep(seconds: float, *, until) -> None:
    deadline = time.monotonic() + seconds
    while not until() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.2))
