"""Each dashboard section as a CSV file, every cell written through
crm.exports.export_value (so a campaign named "=HYPERLINK(...)" stays text)."""

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from crm.exports import export_value
from crm.referrals.selectors import ReferralSummary
from reports.selectors import DashboardFilter
from reports.selectors.cadences import CadenceRow
from reports.selectors.channels import ChannelTouches
from reports.selectors.funnels import Funnel
from reports.selectors.letters import PrintRunsMailed
from reports.selectors.reps import RepActivity

Rows = Iterable[list[Any]]


def section_csv(section: str, data: Any) -> str:
    """The section's rows as CSV text, with a byte order mark so Excel reads UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in ROWS[section](data):
        writer.writerow([export_value(value) for value in row])
    return buffer.getvalue()


def csv_filename(section: str, filters: DashboardFilter) -> str:
    campaign = f"-campaign-{filters.campaign.pk}" if filters.campaign else ""
    first, last = filters.start.date(), filters.last_day
    return f"dashboard-{section}-{first:%Y-%m-%d}-to-{last:%Y-%m-%d}{campaign}.csv"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def funnel_rows(funnel: Funnel) -> Rows:
    yield ["Breakdown", "Name", "Leads", "Contacted", "Qualified", "Customers", "Customers %"]
    groups = (
        ("All", [funnel.total]),
        ("Source", funnel.by_source),
        ("Campaign", funnel.by_campaign),
    )
    for breakdown, rows in groups:
        for row in rows:
            yield [breakdown, row.label, *row.counts, _percent(row.customer_rate)]


def channel_rows(channels: ChannelTouches) -> Rows:
    yield ["Channel", "Measure", "Count"]
    for row in channels.ledger:
        yield [row.label, "Touches planned", row.planned]
        yield [row.label, "Touches done", row.done]
        yield [row.label, "Touches skipped", row.skipped]
    for channel, measures in channels.responses.by_channel:
        for label, count, _share in measures:
            yield [channel, label, count]


def rep_rows(activity: RepActivity) -> Rows:
    yield [
        "Person",
        "Username",
        "Calls logged",
        "Connected",
        "Meetings booked",
        "Voicemail",
        "No answer",
        "Connected %",
        "Leads owned",
    ]
    for rep in activity.reps:
        yield [
            rep.person,
            rep.username,
            rep.calls,
            rep.connected,
            rep.meetings,
            rep.voicemail,
            rep.no_answer,
            _percent(rep.connect_rate),
            rep.leads_owned,
        ]


def cadence_rows(cadences: list[CadenceRow]) -> Rows:
    yield [
        "Cadence",
        "Step",
        "Variant",
        "Sent",
        "Opened",
        "Clicked",
        "Replied",
        "Unsubscribed",
        "Calls",
        "Meetings",
        "Verdict on opens",
        "Verdict on clicks",
        "Verdict on replies",
    ]
    for cadence in cadences:
        yield [
            cadence.name,
            "All",
            "",
            cadence.sent,
            cadence.opened,
            cadence.clicked,
            cadence.replied,
            cadence.unsubscribed,
            cadence.calls,
            cadence.meetings,
            "",
            "",
            "",
        ]
        for test in cadence.tests:
            verdicts = [text for _noun, text in test.verdicts]
            for variant in test.variants:
                yield [
                    cadence.name,
                    test.position,
                    variant.label,
                    variant.sent,
                    variant.opened,
                    variant.clicked,
                    variant.replied,
                    "",
                    "",
                    "",
                    *verdicts,
                ]


def letter_rows(letters: PrintRunsMailed) -> Rows:
    yield ["Run", "Template", "Mailed at", "Mailed by", "Letters", "Answered", "Answered %"]
    for run in letters.runs:
        yield [
            run.name,
            run.template,
            run.mailed_at,
            run.mailed_by,
            run.letters,
            run.answered,
            _percent(run.answer_rate),
        ]


def referral_rows(summary: ReferralSummary) -> Rows:
    yield ["Referrer", "Referrer lead ID", "Referred", "Became customers", "Progress"]
    yield ["All referrers", "", summary.referred, summary.customers, ""]
    for row in summary.top:
        progress = row.progress
        yield [row.name, row.lead_id, progress.referred, progress.customers, str(progress)]


ROWS: dict[str, Callable[[Any], Rows]] = {
    "funnel": funnel_rows,
    "channels": channel_rows,
    "reps": rep_rows,
    "cadences": cadence_rows,
    "letters": letter_rows,
    "referrals": referral_rows,
}
