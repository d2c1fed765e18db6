"""Charts as inline SVG, drawn on the server: no JavaScript, nothing fetched.

Each chart names itself (<title>) and says what it shows (<desc>) for screen
readers, and every bar carries its number in a <title> (shown on hover); the
page prints the same numbers in a table beside the chart. The SVGs scale with
their container (viewBox) and inherit the page's font.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from reports.selectors import Dashboard
from reports.selectors.cadences import CadenceRow
from reports.selectors.channels import ChannelTouches
from reports.selectors.common import percent
from reports.selectors.funnels import Funnel
from reports.selectors.letters import PrintRunsMailed
from reports.selectors.reps import RepActivity

# Colour-blind-safe (Okabe-Ito), dark enough for white backgrounds.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
INK, MUTED, GRID = "#1f2933", "#52606d", "#d9e2ec"

WIDTH = 560
LABEL_WIDTH = 110  # the labels left of horizontal bars
VALUE_WIDTH = 130  # the numbers right of them
MAX_WEEK_LABELS = 7
BAR_HEIGHT, BAR_GAP, GROUP_GAP = 18, 4, 14
COLUMN_AREA = 160  # the height of the column chart's bars at most


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    note: str = ""  # shown after the number, e.g. "45%"

    @property
    def text(self) -> str:
        return f"{intcomma(self.value)}{f' ({self.note})' if self.note else ''}"


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    groups: Sequence[tuple[str, Sequence[Bar]]],
    *,
    scale_per_group: bool = False,
) -> SafeString:
    """Horizontal bars, in groups (a heading each when there are several), on one
    scale or (scale_per_group) each group on its own, for groups of very different
    sizes. A group's bars take the palette's colours in order."""
    top = max([bar.value for _, bars in groups for bar in bars], default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts, y = [], 0
    for heading, bars in groups:
        if scale_per_group:
            top = max([bar.value for bar in bars], default=0) or 1
        if len(groups) > 1:
            y += 14
            parts.append(_text(0, y, heading, weight="600"))
            y += 6
        for index, bar in enumerate(bars):
            width = round(span * bar.value / top, 1)
            middle = y + BAR_HEIGHT / 2 + 4
            parts.append(_text(LABEL_WIDTH - 6, middle, bar.label, anchor="end", fill=MUTED))
            parts.append(
                _rect(LABEL_WIDTH, y, width, BAR_HEIGHT, index, f"{bar.label}: {bar.text}")
            )
            parts.append(_text(LABEL_WIDTH + width + 6, middle, bar.text))
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    return _svg(chart_id, title, desc, y, parts)


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    weeks: Sequence[tuple[dt.date, Sequence[int]]],
    series: Sequence[str],
) -> SafeString:
    """A vertical bar per week for the first series, and the second (a part of the
    first, e.g. the calls that connected) drawn inside it; labelled below with the
    Monday (every few weeks when there are many), the highest count marked on the
    left, and a legend naming the series."""
    top = max([values[0] for _, values in weeks], default=0) or 1
    left, base = 64, 24 + COLUMN_AREA
    slot = (WIDTH - left) / max(len(weeks), 1)
    parts = [_legend(series, left), _gridline(left, 24, intcomma(top))]
    for index, (monday, values) in enumerate(weeks):
        x = left + index * slot
        counts = ", ".join(f"{intcomma(n)} {name}" for name, n in zip(series, values, strict=True))
        hover = f"Week of {monday.day} {monday:%b %Y}: {counts}"
        for number, value in enumerate(values):
            height, inset = round(COLUMN_AREA * value / top, 1), slot * (0.15 + 0.12 * number)
            parts.append(_rect(x + inset, base - height, slot - 2 * inset, height, number, hover))
        if index % math.ceil(len(weeks) / MAX_WEEK_LABELS) == 0:
            label = f"{monday.day} {monday:%b}"
            parts.append(_text(x + slot / 2, base + 14, label, anchor="middle", fill=MUTED))
    parts.append(_gridline(left, base, "0", stroke=INK))
    return _svg(chart_id, title, desc, base + 22, parts)


def _legend(series: Sequence[str], left: float) -> SafeString:
    items, x = [], left
    for index, name in enumerate(series):
        items += [_rect(x, 4, 10, 10, index, name), _text(x + 14, 13, name, fill=MUTED)]
        x += 30 + 7 * len(name)
    return format_html_join("", "{}", ((item,) for item in items))


def _svg(
    chart_id: str, title: str, desc: str, height: float, parts: list[SafeString]
) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" font-size="12" font-family="inherit">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=round(height),
        title=title,
        desc=desc,
        body=format_html_join("", "{}", ((part,) for part in parts)),
    )


def _rect(x: float, y: float, width: float, height: float, colour: int, hover: str) -> SafeString:
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        round(x, 1),
        round(y, 1),
        max(width, 0),
        max(height, 0),
        PALETTE[colour % len(PALETTE)],
        hover,
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, weight: str = "400"
) -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" fill="{}" font-weight="{}">{}</text>',
        round(x, 1),
        round(y, 1),
        anchor,
        fill,
        weight,
        text,
    )


def _gridline(left: float, y: float, label: str, *, stroke: str = GRID) -> SafeString:
    return format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>{}',
        left,
        WIDTH,
        y,
        y,
        stroke,
        _text(left - 4, y + 4, label, anchor="end", fill=MUTED),
    )


# The dashboard's charts, one function per section.


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def funnel_charts(funnel: Funnel) -> dict[str, SafeString]:
    total = funnel.total
    steps = ("Leads", "Contacted", "Qualified", "Customers")
    overall = bar_chart(
        "chart-funnel",
        "Funnel of the leads created in the period",
        "Leads, then how many of them were contacted, qualified and became customers; "
        "the percentage is of the leads.",
        [
            (
                "All leads",
                [
                    Bar(label, count, _percent(percent(count, total.leads)))
                    for label, count in zip(steps, total.counts, strict=True)
                ],
            )
        ],
    )
    by_source = bar_chart(
        "chart-funnel-sources",
        "Funnel by source",
        "For each kind of source campaign: leads, contacted, qualified and customers.",
        [
            (row.label, [Bar(label, count) for label, count in zip(steps, row.counts, strict=True)])
            for row in funnel.by_source
        ],
    )
    return {"overall": overall, "by_source": by_source}


def channel_charts(channels: ChannelTouches) -> dict[str, SafeString]:
    ledger = bar_chart(
        "chart-ledger",
        "Touches per channel",
        "For calls, emails and letters: touches planned, done and skipped in the period.",
        [
            (
                row.label,
                [Bar("Planned", row.planned), Bar("Done", row.done), Bar("Skipped", row.skipped)],
            )
            for row in channels.ledger
        ],
    )
    responses = bar_chart(
        "chart-responses",
        "Responses per channel",
        "Calls logged, connected and meetings booked; emails sent, opened, clicked and "
        "replied; letters mailed and answered. Each channel has its own scale; percentages "
        "are of its first bar.",
        [
            (channel, [Bar(label, count, _percent(share)) for label, count, share in measures])
            for channel, measures in channels.responses.by_channel
        ],
        scale_per_group=True,
    )
    return {"ledger": ledger, "responses": responses}


def calls_per_week_chart(activity: RepActivity) -> SafeString:
    return column_chart(
        "chart-calls-weekly",
        "Calls per week",
        "Calls logged each week of the period by everyone, and how many of them connected.",
        [(week.week, (week.calls, week.connected)) for week in activity.weeks],
        ("calls logged", "connected"),
    )


def cadences_chart(cadences: list[CadenceRow]) -> SafeString:
    return bar_chart(
        "chart-cadences",
        "Cadence emails and their responses",
        "For each cadence: emails sent in the period, and how many were opened, clicked "
        "and replied to.",
        [
            (
                row.name,
                [
                    Bar("Sent", row.sent),
                    Bar("Opened", row.opened, _percent(row.rate("opened"))),
                    Bar("Clicked", row.clicked, _percent(row.rate("clicked"))),
                    Bar("Replied", row.replied, _percent(row.rate("replied"))),
                ],
            )
            for row in cadences
            if row.sent
        ],
    )


def letters_per_week_chart(letters: PrintRunsMailed) -> SafeString:
    return column_chart(
        "chart-letters-weekly",
        "Letters mailed per week",
        "Letters printed in the runs marked mailed each week of the period.",
        [(monday, (count,)) for monday, count in letters.weeks],
        ("letters mailed",),
    )


def dashboard_charts(data: Dashboard) -> dict[str, object]:
    """Every chart of the page, by section."""
    return {
        "funnel": funnel_charts(data.funnel),
        "channels": channel_charts(data.channels),
        "calls_weekly": calls_per_week_chart(data.reps),
        "cadences": cadences_chart(data.cadences) if any(row.sent for row in data.cadences) else "",
        "letters_weekly": letters_per_week_chart(data.letters),
    }
