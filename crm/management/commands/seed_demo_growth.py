from django.conf import settings
from django.core.management.base import BaseCommand

from crm.audiences.models import Audience
from crm.demo.growth import demo_growth_seed


class Command(BaseCommand):
    help = (
        "Add a tracked demo website and two demo audiences, and work out every lead's "
        "score (after seed_demo)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are audiences already."
        )

    def handle(self, *, if_empty, **options):
        if if_empty and Audience.objects.exists():
            self.stdout.write("There are audiences already; no demo audiences added.")
            return
        summary = demo_growth_seed(site_origin=settings.SITE_URL)
        if summary is None:
            self.stdout.write("No manager or no event with a start date: run seed_demo first.")
            return
        for name, members in summary.audiences.items():
            self.stdout.write(f"Audience “{name}”: {members:,} members.")
        self.stdout.write(f"Scored {summary.scored:,} leads.")
