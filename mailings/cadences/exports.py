"""A cadence's people as CSV, every cell written through crm.exports.export_value
(so a lead named "=HYPERLINK(...)" stays text)."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from crm.exports import EXPORT_CHUNK_SIZE, export_value
from followups.cadences.models import Enrolment

PEOPLE_COLUMNS = [
    "Lead ID",
    "Name",
    "Email",
    "Company",
    "Owner",
    "State",
    "Step",
    "Step channel",
    "Next due",
    "Enrolled at",
    "Enrolled by",
    "Source",
    "Ended at",
    "Exit reason",
]


class _Echo:
    """A file whose write gives back the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def people_csv_lines(people: QuerySet[Enrolment]) -> Iterator[str]:
    """The heading, then a line per enrolment of mailings.cadences.selectors.
    cadence_people (with its lead's owner, its step and who enrolled it), read in
    chunks; a byte order mark first so Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(PEOPLE_COLUMNS)
    for enrolment in people.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield writer.writerow([export_value(value) for value in _row(enrolment)])


def _row(enrolment: Enrolment) -> list:
    lead, by = enrolment.lead, enrolment.enrolled_by
    step = enrolment.step if enrolment.is_open else None
    return [
        lead.pk,
        lead.display_name,
        lead.email,
        lead.company,
        lead.owner.display_name if lead.owner else "",
        enrolment.get_status_display(),
        step.position if step else "",
        step.get_channel_display() if step else "",
        enrolment.next_due,
        enrolment.enrolled_at,
        by.display_name if by else "",
        enrolment.source,
        enrolment.ended_at,
        enrolment.exit_reason,
    ]
