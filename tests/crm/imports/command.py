"""A booth list written to a file and imported from the command line, as the
engine's tests run it."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def import_leads(path: Path, *args: str) -> dict:
    out = StringIO()
    call_command("import_leads", str(path), "--event", "Expo 2026", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


BOOTH_LIST = """\
Email,Full Name,Company,Job Title,Cell Phone,Country,Notes,Rating,Badge ID
mary@example.com,Mary Ann Smith-Jones,Northwind,CTO,(415) 555-2671,USA,Wants pricing,hot,B-1
,Tom Baker,Acme,,020 7946 0958,United Kingdom,,warm,B-2
not-an-email,Nobody Useful,,,12,,,,B-3
MARY@EXAMPLE.COM,Mary Smith-Jones,,,,,Came back on day two,,B-4
"""
