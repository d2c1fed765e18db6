"""The dashboard page and its CSV files: who may see them, filters, contents, queries."""

import csv
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Campaign
from crm.outcomes import CallOutcome as Outcome
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory, UserFactory
from tests.reports.conftest import at

URL = reverse("reports:index")
QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}


def csv_url(section: str) -> str:
    return reverse("reports:csv", args=[section])


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# Who may see it


def test_a_manager_sees_the_dashboard_in_the_nav(maria):
    response = maria.get(URL)

    assert response.status_code == 200
    assert f'href="{URL}"' in response.text
    assert 'aria-current="page">Dashboard</a>' in response.text


@pytest.mark.parametrize("path", [URL, csv_url("funnel")])
def test_reps_and_the_mailroom_get_403(client, rep_alice, mailroom_max, path):
    for person in (rep_alice, mailroom_max):
        client.force_login(person)
        assert client.get(path).status_code == 403


def test_reps_have_no_dashboard_link(alice):
    assert f'href="{URL}"' not in alice.get(reverse("crm:lead_list")).text


def test_signed_out_people_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_section_is_404(maria):
    assert maria.get(csv_url("secrets")).status_code == 404


# Filters


@time_machine.travel("2026-04-15 12:00Z", tick=False)
def test_the_default_period_is_the_last_90_days(maria):
    response = maria.get(URL)

    assert response.status_code == 200
    assert 'value="2026-01-16"' in response.text  # 90 days, today included
    assert 'value="2026-04-15"' in response.text
    assert "Fri 16 Jan 2026 to Wed 15 Apr 2026 (UTC)" in response.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-03-31", "end": "2026-01-01"}, "end", "The last day is before the first."),
        ({"start": "2023-01-01", "end": "2026-01-01"}, "start", "at most 731 days"),
        ({"start": "yesterday"}, "start", "Enter a valid date."),
        ({"end": "2026-02-30"}, "end", "Enter a valid date."),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start", "greater than or equal to"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "end", "less than or equal to"),
        ({"campaign": "999999"}, "campaign", "Select a valid choice."),
        ({"campaign": "expo"}, "campaign", "Select a valid choice."),
    ],
)
def test_bad_filters_answer_400_with_the_fields_error(maria, query, field, message):
    for path in (URL, csv_url("funnel")):
        response = maria.get(path, query)

        assert response.status_code == 400
        errors = response.context["form"].errors
        assert message in " ".join(errors[field])
        assert message.replace("'", "&#x27;")[:20] in response.text


def test_empty_fields_take_the_defaults(maria):
    assert maria.get(URL, {"start": "", "end": "", "campaign": ""}).status_code == 200


# The page shows the numbers


def test_the_page_shows_each_sections_numbers(maria, world):
    page = maria.get(URL, QUARTER).text

    assert "All leads</th><td>11</td><td>6</td><td>4</td><td>3</td>" in page
    assert "Expo 2026</th><td>6</td><td>3</td><td>1</td><td>1</td>" in page
    assert "Alice Rep</th><td>3</td><td>2</td><td>67%</td><td>1</td>" in page
    assert "B leads on clicks, 99% confidence" in page
    assert "March letters" in page and "December letters" not in page
    assert "2 referred, 1 became a customer — 2 more for the reward" in page
    # Every chart is an accessible inline SVG, titled and described.
    assert page.count('<svg class="chart"') == 7
    assert page.count('role="img"') == 7
    assert "http" not in "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert (
        '<title id="chart-funnel-title">Funnel of the leads created in the period</title>' in page
    )
    # ... and every measure says what it counts.
    assert "Leads whose stage is customer (a purchase makes one)." in page
    assert "within 30 days after" in page


def test_the_campaign_filter_narrows_every_section(maria, world):
    page = maria.get(URL, {**QUARTER, "campaign": world.giveaway.pk}).text

    assert "leads from Win a bike" in page
    assert "All leads</th><td>2</td><td>2</td><td>2</td><td>1</td>" in page
    assert "Expo 2026</th>" not in page
    assert "No cadence sent an email, made a call or got a meeting in this period." in page
    assert "No one came through a referral link in this period." in page


def test_the_csv_links_carry_the_filters(maria, world):
    page = maria.get(URL, {**QUARTER, "campaign": world.expo.pk}).text

    query = f"start=2026-01-01&amp;end=2026-03-31&amp;campaign={world.expo.pk}"
    for section in ("funnel", "channels", "reps", "cadences", "letters", "referrals"):
        assert f'href="{csv_url(section)}?{query}"' in page


def test_a_campaign_name_with_markup_is_escaped_in_the_charts(maria, world):
    world.expo.name = '<script>alert("x")</script>'
    world.expo.save()

    page = maria.get(URL, QUARTER).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


# CSV exports


def test_funnel_csv(maria, world):
    response = maria.get(csv_url("funnel"), QUARTER)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="dashboard-funnel-2026-01-01-to-2026-03-31.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    assert read_csv(response) == [
        ["Breakdown", "Name", "Leads", "Contacted", "Qualified", "Customers", "Customers %"],
        ["All", "All leads", "11", "6", "4", "3", "27.3"],
        ["Source", "Event / booth", "6", "3", "1", "1", "16.7"],
        ["Source", "No campaign", "3", "1", "1", "1", "33.3"],
        ["Source", "Giveaway", "2", "2", "2", "1", "50.0"],
        ["Campaign", "Expo 2026", "6", "3", "1", "1", "16.7"],
        ["Campaign", "No campaign", "3", "1", "1", "1", "33.3"],
        ["Campaign", "Win a bike", "2", "2", "2", "1", "50.0"],
    ]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(maria, world):
    world.expo.name = '=HYPERLINK("http://evil.example","Click")'
    world.expo.save()
    world.leads.L5.first_name, world.leads.L5.last_name = "@SUM(A1:A9)", ""
    world.leads.L5.save()

    funnel_rows = read_csv(maria.get(csv_url("funnel"), QUARTER))
    referral_rows = read_csv(maria.get(csv_url("referrals"), QUARTER))

    assert ["Campaign", '\'=HYPERLINK("http://evil.example","Click")'] in [
        row[:2] for row in funnel_rows
    ]
    assert referral_rows[2][0] == "'@SUM(A1:A9)"


def test_campaign_filtered_csv_is_named_after_the_campaign(maria, world):
    response = maria.get(csv_url("reps"), {**QUARTER, "campaign": world.expo.pk})

    filename = f"dashboard-reps-2026-01-01-to-2026-03-31-campaign-{world.expo.pk}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert read_csv(response) == [
        [
            "Person",
            "Username",
            "Calls logged",
            "Connected",
            "Meetings booked",
            "Voicemail",
            "No answer",
            "Connected %",
            "Leads owned",
        ],
        ["Alice Rep", "alice", "2", "2", "1", "0", "0", "100.0", "4"],
        ["Bob Rep", "bob", "1", "0", "0", "1", "0", "0.0", "0"],
    ]


def test_channels_csv(maria, world):
    rows = read_csv(maria.get(csv_url("channels"), QUARTER))

    assert rows[0] == ["Channel", "Measure", "Count"]
    assert rows[1:] == [
        ["Call", "Touches planned", "2"],
        ["Call", "Touches done", "1"],
        ["Call", "Touches skipped", "0"],
        ["Email", "Touches planned", "0"],
        ["Email", "Touches done", "0"],
        ["Email", "Touches skipped", "1"],
        ["Personal email", "Touches planned", "0"],
        ["Personal email", "Touches done", "0"],
        ["Personal email", "Touches skipped", "0"],
        ["Letter", "Touches planned", "1"],
        ["Letter", "Touches done", "0"],
        ["Letter", "Touches skipped", "0"],
        ["Task", "Touches planned", "0"],
        ["Task", "Touches done", "0"],
        ["Task", "Touches skipped", "0"],
        ["Ads", "Touches planned", "0"],
        ["Ads", "Touches done", "0"],
        ["Ads", "Touches skipped", "0"],
        ["Calls", "Logged", "5"],
        ["Calls", "Connected", "3"],
        ["Calls", "Meetings", "1"],
        ["Email", "Sent", "82"],
        ["Email", "Opened", "41"],
        ["Email", "Clicked", "24"],
        ["Email", "Replied", "1"],
        ["Letters", "Mailed", "3"],
        ["Letters", "Answered", "1"],
    ]


def test_cadences_csv_has_the_ab_verdicts(maria, world):
    rows = read_csv(maria.get(csv_url("cadences"), QUARTER))

    assert rows == [
        [
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
        ],
        ["Welcome", "All", "", "82", "41", "24", "1", "1", "1", "1", "", "", ""],
        ["Welcome", "1", "A", "40", "20", "4", "0", "", "", "", "no winner yet",
         "B leads on clicks, 99% confidence", "no winner yet"],
        ["Welcome", "1", "B", "40", "20", "20", "0", "", "", "", "no winner yet",
         "B leads on clicks, 99% confidence", "no winner yet"],
    ]  # fmt: skip


def test_letters_and_referrals_csv(maria, world):
    letters = read_csv(maria.get(csv_url("letters"), QUARTER))
    referrals = read_csv(maria.get(csv_url("referrals"), QUARTER))

    assert letters == [
        ["Run", "Template", "Mailed at", "Mailed by", "Letters", "Answered", "Answered %"],
        ["March letters", "Thank you", "2026-03-10T10:00:00Z", "Maria Manager", "2", "1", "50.0"],
    ]
    assert referrals == [
        ["Referrer", "Referrer lead ID", "Referred", "Became customers", "Progress"],
        ["All referrers", "", "2", "1", ""],
        [
            "L5 Known",
            str(world.leads.L5.pk),
            "2",
            "1",
            "2 referred, 1 became a customer — 2 more for the reward",
        ],
    ]


# Queries


# Session, user, roles, the chosen campaign, permissions (2, for the nav), campaign
# choices, and 18 for the sections: funnel 1, channels 4, reps 3, cadences 5, print runs 1,
# referrals 4 (crm.referrals.selectors.referral_summary).
PAGE_QUERIES = 25


@pytest.mark.parametrize("campaign", [False, True])
def test_the_page_takes_a_fixed_number_of_queries(
    maria, world, django_assert_max_num_queries, campaign
):
    query = {**QUARTER, "campaign": world.expo.pk} if campaign else QUARTER
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert maria.get(URL, query).status_code == 200


def test_a_csv_takes_the_sections_queries_only(maria, world, django_assert_max_num_queries):
    # Session, user, roles, the chosen campaign, then the funnel's one query (two on
    # PostgreSQL: its daily rollup, then the campaigns' names).
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 5):
        maria.get(csv_url("funnel"), {**QUARTER, "campaign": world.expo.pk})


def test_the_query_count_does_not_grow_with_the_data(maria, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert maria.get(URL, QUARTER).status_code == 200
        return len(captured)

    before = queries()
    _more_of_everything()

    assert queries() == before


def _more_of_everything() -> None:
    """More campaigns, leads, reps, calls and referrals."""
    for number in range(5):
        campaign = CampaignFactory(kind=Campaign.Kind.WEBINAR)
        rep = UserFactory(role="rep")
        for lead in LeadFactory.create_batch(4, source_campaign=campaign, created_at=at(2, 1)):
            InteractionFactory(
                lead=lead,
                kind="call",
                user=rep,
                outcome=Outcome.INTERESTED,
                occurred_at=at(2, 1 + number),
            )
            LeadFactory(referred_by=lead, created_at=at(3, 1))
