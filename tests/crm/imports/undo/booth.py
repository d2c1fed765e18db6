"""The booth list the undo tests import (the hooks run inline in tests, so its
follow-ups are planned), and what they read back after an undo."""

import datetime as dt

from django.utils.html import strip_tags

from crm.imports.undo.services import lead_import_undo
from crm.models import Lead, LeadImport

IMPORTED_AT = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York

# A badge scanner's lead-retrieval export, as it comes.
BOOTH_LIST = """\
First Name,Last Name,Email,Company,Job Title,Phone,Country,Notes,Lead Rating
Ana,Silva,ana.silva@northwind.example,Northwind,CTO,(212) 555-0147,United States,Pricing?,Hot
Tom,Baker,tom.baker@acme.example,Acme Ltd,Buyer,020 7946 0958,United Kingdom,,Warm
Kim,Lee,kim.lee@contoso.example,Contoso,Head of IT,030 1234567,Germany,Asked about the API,Hot
"""


def lead(email: str) -> Lead:
    return Lead.objects.get(email=email)


def visible(response) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(strip_tags(response.content.decode()).split())


def undo(lead_import: LeadImport, by=None) -> LeadImport:
    lead_import_undo(lead_import=lead_import, by=by)
    lead_import.refresh_from_db()
    return lead_import


ANA, TOM = "ana.silva@northwind.example", "tom.baker@acme.example"
