from django.core.management.base import BaseCommand

from mailings.letters.compose import labels_pdf
from mailings.letters.labels import SHEETS
from mailings.management.commands._printing import add_common_arguments, leads_to_print, write_pdf


class Command(BaseCommand):
    help = "Render address labels (Avery 5160 on US Letter, L7163 on A4) into one PDF."

    def add_arguments(self, parser):
        parser.add_argument("--sheet", required=True, choices=sorted(SHEETS))
        add_common_arguments(parser)

    def handle(self, *, sheet, out, leads, **options):
        printable = leads_to_print(self, leads)
        write_pdf(self, out, labels_pdf(printable, sheet=sheet), f"{len(printable):,} labels")
