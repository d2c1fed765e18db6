"""Touches and responses per channel (call, email, letter) in the period."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Sum

from crm.models import Interaction
from crm.outcomes import CONNECTED_CALL_OUTCOMES, MEETING_BOOKED
from followups.models import Channel, Touch
from mailings.cadences.abtest import email_responses
from mailings.models import OutboxEmail
from reports.models import CallRollup, EmailRollup, TouchRollup
from reports.selectors import rollups
from reports.selectors.common import DashboardFilter, percent
from reports.selectors.rollups import period, rolled_up

Kind = Interaction.Kind

# What a lead may do that we count as answering a letter, and for how long after.
LETTER_RESPONSE_KINDS = (
    Kind.PURCHASE,
    Kind.MEETING,
    Kind.WEB_VISIT,
    Kind.CONTENT_DOWNLOAD,
    Kind.EMAIL_REPLIED,
)
LETTER_RESPONSE_WINDOW = dt.timedelta(days=30)

DEFINITIONS = {
    "planned": (
        "Planned",
        "Touches put in the ledger in the period (created then, whatever their due date).",
    ),
    "done": (
        "Done",
        "Touches completed in the period: calls logged from the queue, "
        "emails sent, letters mailed.",
    ),
    "skipped": (
        "Skipped",
        "Touches closed in the period without being done (no consent, "
        "no address, a print run cancelled, ...). Cancelled touches keep no date "
        "and are not counted.",
    ),
    "calls": (
        "Calls logged",
        "Calls logged in the period (every call on a timeline, from the queue or not).",
    ),
    "connected": (
        "Connected",
        'Of those, calls logged as "Connected: interested", '
        '"Connected: not interested" or "Meeting booked".',
    ),
    "meetings": ("Meetings", 'Of those, calls logged as "Meeting booked".'),
    "emails": ("Emails sent", "Cadence emails (automatic and personal) sent in the period."),
    "opened": (
        "Opened",
        "Of those, emails opened since by a person (a click counts as an open; "
        "mail scanners' and privacy proxies' opens are left out, and mail apps "
        "that block images open nothing).",
    ),
    "clicked": ("Clicked", "Of those, emails with a link clicked since."),
    "replied": ("Replied", "Of those, emails replied to since."),
    "letters": ("Letters mailed", "Letters mailed in the period (a letter mailed on a timeline)."),
    "letters_answered": (
        "Answered",
        "Of those, letters whose lead, within 30 days after "
        "the letter was mailed, bought, had a meeting, visited the website, "
        "downloaded content or replied to an email (so far: a letter "
        "mailed less than 30 days ago may still be answered).",
    ),
}


# Each channel's measures as the page shows them: (label, Responses field), the
# first one the base of the others' percentages.
RESPONSE_MEASURES = (
    ("Calls", (("Logged", "calls"), ("Connected", "connected"), ("Meetings", "meetings"))),
    (
        "Email",
        (("Sent", "emails"), ("Opened", "opened"), ("Clicked", "clicked"), ("Replied", "replied")),
    ),
    ("Letters", (("Mailed", "letters"), ("Answered", "letters_answered"))),
)


@dataclass(frozen=True)
class LedgerRow:
    channel: str  # a Channel value
    planned: int = 0
    done: int = 0
    skipped: int = 0

    @property
    def label(self) -> str:
        return Channel(self.channel).label


@dataclass(frozen=True)
class Responses:
    calls: int = 0
    connected: int = 0
    meetings: int = 0
    emails: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    letters: int = 0
    letters_answered: int = 0

    @property
    def by_channel(self) -> list[tuple[str, list[tuple[str, int, float | None]]]]:
        """(channel, [(measure, count, % of the channel's first measure)]), in the
        order of RESPONSE_MEASURES."""
        result = []
        for channel, measures in RESPONSE_MEASURES:
            counts = [(label, getattr(self, name)) for label, name in measures]
            base = counts[0][1]
            result.append((channel, [(label, n, percent(n, base)) for label, n in counts]))
        return result


@dataclass(frozen=True)
class ChannelTouches:
    ledger: list[LedgerRow]  # call, email, letter, always in that order
    responses: Responses


def channel_touches(filters: DashboardFilter) -> ChannelTouches:
    """The touch ledger per channel (planned, done and skipped in the period;
    cancelled touches keep no date, so they are not counted), and what each channel
    got back. Four queries: touches; calls (a parallel scan of the period's calls);
    letters (the kind-and-time index, each letter's answer looked up on its lead's
    timeline index); cadence emails."""
    return ChannelTouches(
        ledger=_ledger(filters),
        responses=Responses(**calls(filters), **_letters(filters), **_emails(filters)),
    )


def _ledger(filters: DashboardFilter) -> list[LedgerRow]:
    """Touches planned, done and skipped per channel: on PostgreSQL from the daily
    rollup (reports.models.TouchRollup) and the pieces of days it cannot answer
    read live."""
    if not rolled_up(filters):
        return _live_ledger(filters)
    when = period(filters)
    rows = (
        TouchRollup.objects.filter(when.rollup_days(), rollups.of_campaign(filters))
        .values("channel")
        .annotate(**{f"n_{name}": Sum(name) for name in LEDGER_MEASURES})
        .order_by()
    )
    totals = {channel: dict.fromkeys(LEDGER_MEASURES, 0) for channel in Channel.values}
    for row in rows:
        for name in LEDGER_MEASURES:
            totals[row["channel"]][name] += row[f"n_{name}"] or 0
    if pieces := rollups.pieces(filters, when):
        for row in _ledger_rows(pieces):
            for name in LEDGER_MEASURES:
                piece = row["planned_in" if name == "planned" else "completed_in"]
                if piece is not None:  # counted in no piece
                    totals[row["channel"]][name] += when.pieces[piece].sign(0) * row[name]
    return [LedgerRow(channel, **totals[channel]) for channel in Channel.values]


LEDGER_MEASURES = ("planned", "done", "skipped")


def _live_ledger(filters: DashboardFilter) -> list[LedgerRow]:
    found = {row["channel"]: row for row in _ledger_rows(filters)}
    return [
        LedgerRow(channel, **{name: found[channel][name] for name in LEDGER_MEASURES})
        if channel in found
        else LedgerRow(channel)
        for channel in Channel.values
    ]


def _ledger_rows(filters: DashboardFilter):
    """Per channel (and piece created in, piece completed in: a touch may be
    planned in one and done in another) the touches planned, done and skipped."""
    completed = filters.during("completed_at")
    return (
        Touch.objects.filter(filters.of_campaign("lead__"))
        .filter(filters.during("created_at") | completed)
        .values(
            "channel",
            planned_in=filters.piece("created_at"),
            completed_in=filters.piece("completed_at"),
        )
        .annotate(
            planned=Count("pk", filter=filters.during("created_at")),
            done=Count("pk", filter=completed & Q(status=Touch.Status.DONE)),
            skipped=Count("pk", filter=completed & Q(status=Touch.Status.SKIPPED)),
        )
        .order_by()
    )


CALL_MEASURES = {
    "calls": None,
    "connected": Q(outcome__in=CONNECTED_CALL_OUTCOMES),
    "meetings": Q(outcome=MEETING_BOOKED),
}


def calls(filters: DashboardFilter) -> dict[str, int]:
    """The period's calls and how many connected or booked a meeting: on
    PostgreSQL from the daily rollup (reports.models.CallRollup) and the pieces of
    days it cannot answer read live."""
    if not rolled_up(filters):
        return _calls(filters)
    when = period(filters)
    counts = CallRollup.objects.filter(
        when.rollup_days(), rollups.of_campaign(filters, every_lead=True)
    ).aggregate(**{f"n_{name}": Sum(name) for name in CALL_MEASURES})
    totals = {name: counts[f"n_{name}"] or 0 for name in CALL_MEASURES}
    if pieces := rollups.pieces(filters, when):
        _add_pieces(totals, _calls_by_piece(pieces), when)
    return totals


def _add_pieces(totals: dict[str, int], rows, when: rollups.Split) -> None:
    """Adds rows counted per piece (a `piece` and totals' measures) to the period's totals."""
    for row in rows:
        sign = when.pieces[row["piece"]].sign(0)
        for name in totals:
            totals[name] += sign * row[name]


def _calls(filters: DashboardFilter) -> dict[str, int]:
    (row,) = _calls_by_piece(filters)
    return {name: row[name] for name in CALL_MEASURES}


def _calls_by_piece(filters: DashboardFilter):
    """The calls' counts (one row for the period; with pieces, a row a piece that had any)."""
    return (
        Interaction.objects.filter(
            filters.during("occurred_at"), filters.of_campaign("lead__"), kind=Kind.CALL
        )
        .values(piece=filters.piece("occurred_at"))
        .annotate(**{name: Count("pk", filter=q) for name, q in CALL_MEASURES.items()})
        .order_by()
    )


def _letters(filters: DashboardFilter) -> dict[str, int]:
    return Interaction.objects.filter(
        filters.during("occurred_at"), filters.of_campaign("lead__"), kind=Kind.LETTER_MAILED
    ).aggregate(
        letters=Count("pk"),
        letters_answered=Count("pk", filter=Q(letter_answered("occurred_at"))),
    )


def letter_answered(mailed_at: str) -> Exists:
    """The lead (the outer row's `lead`) did something that counts as answering a
    letter mailed at the outer row's `mailed_at`, within the window after it."""
    mailed = OuterRef(mailed_at)
    window_end = ExpressionWrapper(mailed + LETTER_RESPONSE_WINDOW, output_field=DateTimeField())
    return Exists(
        Interaction.objects.filter(
            lead=OuterRef("lead"),
            kind__in=LETTER_RESPONSE_KINDS,
            occurred_at__gt=mailed,
            occurred_at__lte=window_end,
        )
    )


EMAIL_MEASURES = {"emails": "sent", "opened": "opened", "clicked": "clicked", "replied": "replied"}


def _emails(filters: DashboardFilter) -> dict[str, int]:
    """Cadence emails sent in the period and their responses: on PostgreSQL from
    the daily rollup (reports.models.EmailRollup) and the pieces of days it
    cannot answer read live."""
    if not rolled_up(filters):
        return _live_emails(filters)
    when = period(filters)
    counts = EmailRollup.objects.filter(when.rollup_days(), rollups.of_campaign(filters)).aggregate(
        **{f"n_{name}": Sum(field) for name, field in EMAIL_MEASURES.items()}
    )
    totals = {name: counts[f"n_{name}"] or 0 for name in EMAIL_MEASURES}
    if pieces := rollups.pieces(filters, when):
        _add_pieces(totals, _emails_by_piece(pieces), when)
    return totals


def _live_emails(filters: DashboardFilter) -> dict[str, int]:
    (row,) = _emails_by_piece(filters)
    return {name: row[name] for name in EMAIL_MEASURES}


def _emails_by_piece(filters: DashboardFilter):
    """The emails' counts (one row for the period; with pieces, a row a piece that had any)."""
    counts = email_responses()
    return (
        OutboxEmail.objects.filter(
            filters.during("sent_at"),
            filters.of_campaign("lead__"),
            status=OutboxEmail.Status.SENT,
        )
        .values(piece=filters.piece("sent_at"))
        .annotate(emails=counts.pop("sent"), **counts)
        .order_by()
    )
