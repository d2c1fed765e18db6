import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from followups.scheduler import scheduler_pass


class Command(BaseCommand):
    help = (
        "Every few seconds: release abandoned call claims and dispatch due touches to the "
        "job queue. Safe to run on several machines at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=settings.SCHEDULER_INTERVAL_SECONDS, help="Seconds."
        )

    def handle(self, *args, once, interval, **options):
        while True:
            result = scheduler_pass()
            if options["verbosity"] > 1 or result.dispatched or result.released_calls:
                self.stdout.write(
                    f"dispatched {result.dispatched}, released {result.released_calls} calls"
                )
            if once:
                return
            close_old_connections()
            time.sleep(interval)
