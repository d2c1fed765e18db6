"""The dashboard's filters at their edges: bad values answer 400 with the form's error
on the page and on every CSV (never a 500, on SQLite and PostgreSQL), access is
checked before the filters, and the period is in the manager's own time zone."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from crm.models import Interaction
from crm.outcomes import CallOutcome as Outcome
from reports.selectors import SECTIONS
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

URL = reverse("reports:index")
PATHS = [URL, *(reverse("reports:csv", args=[section]) for section in SECTIONS)]
QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}
UTC = dt.UTC


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "nonsense"}, "start", "Enter a valid date."),
        ({"start": "2026-03-31", "end": "2026-01-01"}, "end", "The last day is before the first."),
        # The default first day (90 days before today) is after it.
        ({"end": "2026-01-01"}, "end", "The last day is before the first."),
        ({"start": "10000-01-01"}, "start", "Enter a valid date."),
        ({"start": "2026-01-01T00:00"}, "start", "Enter a valid date."),
        ({"start": "2026-01-01\x00"}, "start", "Enter a valid date."),
        ({"campaign": "9" * 30}, "campaign", "Select a valid choice."),  # past a bigint
        ({"campaign": "-1"}, "campaign", "Select a valid choice."),
        ({"campaign": "1.5"}, "campaign", "Select a valid choice."),
        ({"campaign": "\x00"}, "campaign", "Null characters are not allowed."),
    ],
)
@time_machine.travel("2026-04-15 12:00Z", tick=False)
def test_a_bad_filter_answers_400_with_its_error_on_the_page_and_every_csv(
    maria, query, field, message
):
    CampaignFactory()
    for path in PATHS:
        response = maria.get(path, query)

        assert response.status_code == 400, path
        assert response["Content-Type"].startswith("text/html")
        assert not response.has_header("Content-Disposition")
        assert message in " ".join(response.context["form"].errors[field])
        assert f'<p class="error" id="id_{field}_error">{message}' in response.text
        assert "Choose a period." in response.text
        assert 'id="funnel"' not in response.text


def test_the_last_value_of_a_repeated_filter_counts(maria):
    assert maria.get(f"{URL}?start=2026-01-01&start=nonsense").status_code == 400
    assert maria.get(f"{URL}?start=nonsense&start=2026-01-01").status_code == 200


def test_unknown_parameters_are_ignored(maria):
    assert maria.get(URL, {**QUARTER, "section": "secrets", "page": "2"}).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_a_rep_gets_403_whatever_the_filters(alice, path):
    assert alice.get(path, {"start": "nonsense", "campaign": "999999"}).status_code == 403


# The manager's time zone


@pytest.fixture
def near_the_edges(rep_alice):
    """A lead a few hours either side of each end of the quarter (UTC), and a call
    on the night between Sunday 1 and Monday 2 February (UTC)."""
    dawn = CampaignFactory(name="Dawn")
    dusk = CampaignFactory(name="Dusk")
    lead = LeadFactory(source_campaign=dawn, created_at=dt.datetime(2025, 12, 31, 20, tzinfo=UTC))
    LeadFactory(source_campaign=dusk, created_at=dt.datetime(2026, 3, 31, 20, tzinfo=UTC))
    InteractionFactory(
        lead=lead,
        kind=Interaction.Kind.CALL,
        user=rep_alice,
        outcome=Outcome.INTERESTED,
        occurred_at=dt.datetime(2026, 2, 1, 20, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("time_zone", "campaign", "week"),
    [
        ("UTC", "Dusk", "Mon 26 Jan 2026"),
        # 1 January 05:00 and 1 April 05:00 in Tokyo; the call on Monday morning.
        ("Asia/Tokyo", "Dawn", "Mon 2 Feb 2026"),
    ],
)
def test_the_period_and_its_weeks_are_in_the_managers_time_zone(
    maria, manager_maria, near_the_edges, time_zone, campaign, week
):
    manager_maria.time_zone = time_zone
    manager_maria.save()

    page = maria.get(URL, QUARTER).text
    funnel = read_csv(maria.get(reverse("reports:csv", args=["funnel"]), QUARTER))
    response = maria.get(reverse("reports:csv", args=["reps"]), QUARTER)

    assert f"Thu 1 Jan 2026 to Tue 31 Mar 2026 ({time_zone})" in page
    assert f'<tr><th scope="row">{week}</th><td>1</td><td>1</td></tr>' in page
    assert ["Campaign", campaign, "1", "0", "0", "0", "0.0"] in funnel
    assert len(funnel) == 4  # the heading, all leads, one source, one campaign
    assert response["Content-Disposition"] == (
        'attachment; filename="dashboard-reps-2026-01-01-to-2026-03-31.csv"'
    )


@time_machine.travel("2026-04-15 20:00Z", tick=False)
def test_the_default_period_ends_today_in_the_managers_time_zone(maria, manager_maria):
    manager_maria.time_zone = "Asia/Tokyo"  # already 16 April there
    manager_maria.save()

    response = maria.get(reverse("reports:csv", args=["funnel"]))

    assert response["Content-Disposition"] == (
        'attachment; filename="dashboard-funnel-2026-01-17-to-2026-04-16.csv"'
    )
    assert "Sat 17 Jan 2026 to Thu 16 Apr 2026 (Asia/Tokyo)" in maria.get(URL).text
