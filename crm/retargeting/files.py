"""An audience written as one platform's file, a piece of text at a time.

Every cell is written through crm.exports.export_value, so a cell a spreadsheet
would run as a formula is neutralised. No byte order mark: the platforms read the
header row by name (or the first line as an identifier), and a BOM would hide it.
"""

import csv
import io
from collections.abc import Iterator

from crm.audiences.models import Audience
from crm.exports import export_value
from crm.retargeting.formats import LEAD_FIELDS, Format
from crm.retargeting.selectors import audience_export_leads

CHUNK_SIZE = 2000
PIECE_SIZE = 64 * 1024


def audience_csv(audience: Audience, fmt: Format) -> Iterator[str]:
    """The file, streamed: members read in chunks, text yielded about every 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if fmt.headers:
        writer.writerow(fmt.headers)
    leads = audience_export_leads(audience).values(*LEAD_FIELDS)
    for lead in leads.iterator(chunk_size=CHUNK_SIZE):
        if not fmt.keeps(lead):
            continue
        writer.writerow([export_value(value) for value in fmt.row(lead)])
        if buffer.tell() >= PIECE_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
