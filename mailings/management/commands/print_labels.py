from django.conf import settings
from django.core.management.base import BaseCommand

from mailings.letters.labels import SHEETS, render_labels_pdf
from mailings.letters.postal import address_lines, lead_address
from mailings.management.commands._printing import add_common_arguments, leads_to_print, write_pdf


class Command(BaseCommand):
    help = "Render address labels (Avery 5160 on US Letter, L7163 on A4) into one PDF."

    def add_arguments(self, parser):
        parser.add_argument("--sheet", required=True, choices=sorted(SHEETS))
        add_common_arguments(parser)

    def handle(self, *, sheet, out, leads, **options):
        printable = leads_to_print(self, leads)
        country = settings.CRM_DEFAULT_COUNTRY
        addresses = [
            address_lines(lead_address(lead), sender_country=country) for lead in printable
        ]
        write_pdf(
            self, out, render_labels_pdf(addresses, sheet=sheet), f"{len(addresses):,} labels"
        )
