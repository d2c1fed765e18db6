"""Print runs mailed in the period: how many letters each put in the post, and
how many of those were answered."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from mailings.letters.models import PrintRun, PrintRunLetter
from reports.selectors.channels import letter_answered
from reports.selectors.common import DashboardFilter, mondays, percent

DEFINITIONS = {
    "runs": ("Print runs", "Print runs the mailroom marked mailed in the period."),
    "letters": (
        "Letters",
        "Letters printed in those runs (leads left out as exceptions are not counted).",
    ),
    "answered": (
        "Answered",
        "Of those, letters whose lead, within 30 days after the run "
        "was mailed, bought, had a meeting, visited the website, downloaded "
        "content or replied to an email (so far).",
    ),
    "weekly": (
        "Letters per week",
        "Letters mailed per week (weeks start on Monday, in your time zone).",
    ),
}


@dataclass(frozen=True)
class RunRow:
    run_id: int
    name: str
    template: str
    mailed_at: dt.datetime
    mailed_by: str
    letters: int
    answered: int

    @property
    def answer_rate(self) -> float | None:
        return percent(self.answered, self.letters)


@dataclass(frozen=True)
class PrintRunsMailed:
    runs: list[RunRow]  # newest first
    weeks: list[tuple[dt.date, int]]  # (Monday, letters mailed that week)

    @property
    def letters(self) -> int:
        return sum(run.letters for run in self.runs)

    @property
    def answered(self) -> int:
        return sum(run.answered for run in self.runs)


def print_runs_mailed(filters: DashboardFilter) -> PrintRunsMailed:
    """Runs marked mailed in the period, each with its printed letters and how many
    were answered (a response from the lead within 30 days after the run was
    mailed, looked up on the lead's timeline). With a campaign, only the letters
    to its leads (and the runs that had any). One query."""
    letters = (
        PrintRunLetter.objects.filter(
            filters.of_campaign("lead__"),
            run__status=PrintRun.Status.MAILED,
            run__mailed_at__gte=filters.start,
            run__mailed_at__lt=filters.end,
            exception="",
        )
        .values(
            "run",
            "run__name",
            "run__template__name",
            "run__mailed_at",
            "run__mailed_by__username",
            "run__mailed_by__first_name",
            "run__mailed_by__last_name",
        )
        .annotate(
            letters=Count("pk"), answered=Count("pk", filter=Q(letter_answered("run__mailed_at")))
        )
        .order_by("-run__mailed_at", "-run")
    )
    runs = [_run_row(row) for row in letters]
    return PrintRunsMailed(runs=runs, weeks=_weeks(filters, runs))


def _run_row(row: dict) -> RunRow:
    first, last = row["run__mailed_by__first_name"], row["run__mailed_by__last_name"]
    full_name = f"{first or ''} {last or ''}".strip()
    return RunRow(
        run_id=row["run"],
        name=row["run__name"],
        template=row["run__template__name"],
        mailed_at=row["run__mailed_at"],
        mailed_by=full_name or row["run__mailed_by__username"] or "",
        letters=row["letters"],
        answered=row["answered"],
    )


def _weeks(filters: DashboardFilter, runs: list[RunRow]) -> list[tuple[dt.date, int]]:
    per_week: dict[dt.date, int] = {}
    for run in runs:
        day = run.mailed_at.astimezone(filters.time_zone).date()
        monday = day - dt.timedelta(days=day.weekday())
        per_week[monday] = per_week.get(monday, 0) + run.letters
    return [(monday, per_week.get(monday, 0)) for monday in mondays(filters)]
