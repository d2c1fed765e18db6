"""A manager reads the dashboard in a real browser: every section's numbers on the
known data of tests/reports (the first quarter of 2026), a recent webinar for the
default period, the filters through the form and in the URL, CSV downloads, and
bad filters.

The recent webinar (its name a spreadsheet formula), unowned leads:
    W1 working, created 2 days ago, a call 1 day ago by Bob ("Connected: interested")
    W2 new, created 1 day ago, referred by W1, a call planned for it
"""

import csv
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Campaign, Interaction, Lead
from crm.outcomes import CallOutcome as Outcome
from followups.models import Channel
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory
from tests.reports.conftest import touch, world  # noqa: F401 (world: the known data, a fixture)

# serialized_rollback keeps the roles and cadences that migrations created across the flush.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

FORMULA = '=HYPERLINK("http://evil.example","Autumn webinar")'
QUARTER = "/dashboard/?start=2026-01-01&end=2026-03-31&campaign="
NO_CADENCE = "No cadence sent an email, made a call or got a meeting in this period."


@pytest.fixture
def webinar(rep_bob):
    now = timezone.now()
    campaign = CampaignFactory(name=FORMULA, kind=Campaign.Kind.WEBINAR)
    w1 = LeadFactory(
        first_name="W1",
        last_name="Known",
        source_campaign=campaign,
        stage=Lead.Stage.WORKING,
        created_at=now - dt.timedelta(days=2),
    )
    w2 = LeadFactory(
        first_name="W2",
        source_campaign=campaign,
        referred_by=w1,
        created_at=now - dt.timedelta(days=1),
    )
    InteractionFactory(
        lead=w1,
        kind=Interaction.Kind.CALL,
        user=rep_bob,
        outcome=Outcome.INTERESTED,
        occurred_at=now - dt.timedelta(days=1),
    )
    touch(w2, Channel.CALL, created=now - dt.timedelta(days=1))
    return campaign


def cells(table, row_header: str):
    """The data cells of the table's row headed `row_header`."""
    header = table.page.get_by_role("rowheader", name=row_header, exact=True)
    return table.locator("tr").filter(has=header).locator("td")


def read_csv(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


@pytest.mark.usefixtures("world")
def test_a_manager_reads_filters_shares_and_downloads_the_dashboard(page, live_server, webinar):
    giveaway = Campaign.objects.get(name="Win a bike")
    log_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()

    # The last 90 days: the recent webinar only.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    today = timezone.now().date()
    first_day = today - dt.timedelta(days=89)
    expect(page.get_by_role("textbox", name="From")).to_have_value(f"{first_day:%Y-%m-%d}")
    expect(page.get_by_role("textbox", name="To", exact=True)).to_have_value(f"{today:%Y-%m-%d}")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        [
            "Funnel",
            "Touches and responses per channel",
            "Rep activity",
            "Cadence performance",
            "Print runs mailed",
            "Referrals",
        ]
    )
    funnel = page.get_by_role("table", name="Funnel by source and by campaign")
    expect(cells(funnel, "All leads")).to_have_text(["2", "1", "0", "0", "0%"])
    expect(cells(funnel, "Webinar")).to_have_text(["2", "1", "0", "0", "0%"])
    expect(cells(funnel, FORMULA)).to_have_text(["2", "1", "0", "0", "0%"])
    reps = page.get_by_role("table", name="Calls per person")
    expect(cells(reps, "Alice Rep")).to_have_text(["0", "0", "—", "0", "0", "0", "4"])
    expect(cells(reps, "Bob Rep")).to_have_text(["1", "1", "100%", "0", "0", "0", "2"])
    ledger = page.get_by_role("table", name="Touches in the ledger")
    expect(cells(ledger, "Call")).to_have_text(["1", "0", "0"])
    expect(
        page.get_by_text("No cadence sent an email, made a call or got a meeting")
    ).to_be_visible()
    expect(page.get_by_text("No print run was mailed in this period.")).to_be_visible()
    referrals = page.locator("#referrals")
    expect(referrals.locator("dl.counts dd")).to_have_text(["1", "0", "1", "0"])
    expect(cells(referrals.get_by_role("table", name="Top referrers"), "W1 Known")).to_have_text(
        ["1 referred, 0 became customers — 3 more for the reward"]
    )

    # The funnel's CSV: the formula in the campaign's name is neutralised.
    with page.expect_download() as download:
        page.get_by_role("link", name="Funnel CSV").click()
    name = f"dashboard-funnel-{first_day:%Y-%m-%d}-to-{today:%Y-%m-%d}.csv"
    assert download.value.suggested_filename == name
    assert read_csv(download.value) == [
        ["Breakdown", "Name", "Leads", "Contacted", "Qualified", "Customers", "Customers %"],
        ["All", "All leads", "2", "1", "0", "0", "0.0"],
        ["Source", "Webinar", "2", "1", "0", "0", "0.0"],
        ["Campaign", f"'{FORMULA}", "2", "1", "0", "0", "0.0"],
    ]

    # The first quarter of 2026: every section of the known data.
    page.get_by_role("textbox", name="From").fill("2026-01-01")
    page.get_by_role("textbox", name="To", exact=True).fill("2026-03-31")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{live_server.url}{QUARTER}")
    expect(page.locator(".subtitle")).to_have_text("Thu 1 Jan 2026 to Tue 31 Mar 2026 (UTC)")
    # The funnel: its chart names every bar's number, and the table beside it.
    chart = page.get_by_role("img", name="Funnel of the leads created in the period")
    expect(chart.locator("rect > title")).to_have_text(
        ["Leads: 11 (100%)", "Contacted: 6 (55%)", "Qualified: 4 (36%)", "Customers: 3 (27%)"]
    )
    expect(page.get_by_role("img", name="Funnel by source")).to_be_visible()
    expect(cells(funnel, "All leads")).to_have_text(["11", "6", "4", "3", "27%"])
    expect(cells(funnel, "Event / booth")).to_have_text(["6", "3", "1", "1", "17%"])
    expect(cells(funnel, "Giveaway")).to_have_text(["2", "2", "2", "1", "50%"])
    expect(cells(funnel, "Expo 2026")).to_have_text(["6", "3", "1", "1", "17%"])
    expect(cells(funnel, "Win a bike")).to_have_text(["2", "2", "2", "1", "50%"])
    no_campaign = ["3", "1", "1", "1", "33%"]
    expect(cells(funnel, "No campaign")).to_have_text(no_campaign * 2)  # its source and itself
    expect(funnel.get_by_role("rowheader", name=FORMULA)).to_have_count(0)
    # Channels: the ledger and the responses, chart and table.
    expect(cells(ledger, "Call")).to_have_text(["2", "1", "0"])
    expect(cells(ledger, "Email")).to_have_text(["0", "0", "1"])
    expect(cells(ledger, "Letter")).to_have_text(["1", "0", "0"])
    responses = page.get_by_role("img", name="Responses per channel")
    expect(responses.locator("rect > title")).to_have_text(
        [
            "Logged: 5 (100%)",
            "Connected: 3 (60%)",
            "Meetings: 1 (20%)",
            "Sent: 82 (100%)",
            "Opened: 41 (50%)",
            "Clicked: 24 (29%)",
            "Replied: 1 (1%)",
            "Mailed: 3 (100%)",
            "Answered: 1 (33%)",
        ]
    )
    expect(page.get_by_role("table", name="Responses").locator("tbody td")).to_have_text([
        "Logged", "5", "—", "Connected", "3", "60%", "Meetings", "1", "20%",
        "Sent", "82", "—", "Opened", "41", "50%", "Clicked", "24", "29%", "Replied", "1", "1%",
        "Mailed", "3", "—", "Answered", "1", "33%",
    ])  # fmt: skip
    # Reps, and their calls per week.
    expect(cells(reps, "Alice Rep")).to_have_text(["3", "2", "67%", "1", "0", "1", "4"])
    expect(cells(reps, "Bob Rep")).to_have_text(["2", "1", "50%", "0", "1", "0", "2"])
    expect(page.get_by_role("img", name="Calls per week")).to_be_visible()
    page.get_by_text("Calls per week as a table").click()
    expect(cells(page.locator("details.weekly"), "Mon 2 Feb 2026")).to_have_text(["3", "2"])
    expect(cells(page.locator("details.weekly"), "Mon 9 Feb 2026")).to_have_text(["1", "0"])
    expect(cells(page.locator("details.weekly"), "Mon 2 Mar 2026")).to_have_text(["1", "1"])
    # Cadences, with the A/B verdict, calls and meetings.
    cadences = page.get_by_role("table", name="Cadences that sent email, made calls")
    welcome = cells(cadences, "Welcome")
    expect(welcome).to_have_count(8)
    expect(welcome.nth(0)).to_have_text("82")
    expect(welcome.nth(1)).to_have_text("41 (50%)")
    expect(welcome.nth(2)).to_have_text("24 (29%)")
    expect(welcome.nth(3)).to_have_text("1 (1%)")
    expect(welcome.nth(4)).to_have_text("1")
    expect(welcome.nth(5)).to_have_text("1")
    expect(welcome.nth(6)).to_have_text("1")
    expect(welcome.nth(7)).to_contain_text("Clicks: B leads on clicks, 99% confidence")
    # Print runs and referrals.
    letters = page.locator("#letters")
    expect(letters.locator("dl.counts dd")).to_have_text(["1", "2", "1"])
    expect(cells(letters.get_by_role("table"), "March letters")).to_have_text(
        ["Thank you", "Tue 10 Mar 2026, 10:00", "Maria Manager", "2", "1 (50%)"]
    )
    expect(letters.get_by_text("December letters")).to_have_count(0)
    expect(referrals.locator("dl.counts dd")).to_have_text(["2", "1", "1", "0"])
    expect(cells(referrals.get_by_role("table"), "L5 Known")).to_have_text(
        ["2 referred, 1 became a customer — 2 more for the reward"]
    )

    # One campaign, the giveaway: every section narrows to its leads.
    page.get_by_role("combobox", name="Campaign").select_option(label="Win a bike")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{live_server.url}{QUARTER}{giveaway.pk}")
    subtitle = "Thu 1 Jan 2026 to Tue 31 Mar 2026 (UTC) · leads from Win a bike"
    expect(page.locator(".subtitle")).to_have_text(subtitle)
    expect(cells(funnel, "All leads")).to_have_text(["2", "2", "2", "1", "50%"])
    expect(funnel.get_by_role("rowheader", name="Expo 2026")).to_have_count(0)
    expect(cells(ledger, "Email")).to_have_text(["0", "0", "1"])
    expect(cells(reps, "Alice Rep")).to_have_text(["1", "0", "0%", "0", "0", "1", "0"])
    expect(cells(reps, "Bob Rep")).to_have_text(["1", "1", "100%", "0", "0", "0", "2"])
    expect(
        page.get_by_text("No cadence sent an email, made a call or got a meeting")
    ).to_be_visible()
    expect(letters.locator("dl.counts dd")).to_have_text(["1", "1", "0"])
    expect(cells(letters.get_by_role("table"), "March letters").nth(3)).to_have_text("1")
    expect(referrals.locator("dl.counts dd")).to_have_text(["0", "0", "0", "0"])

    # The URL is the view: opened elsewhere, it shows the same filters and numbers.
    shared = page.context.new_page()
    shared.goto(page.url)
    expect(shared.locator(".subtitle")).to_have_text(subtitle)
    expect(shared.get_by_role("textbox", name="From")).to_have_value("2026-01-01")
    expect(shared.get_by_role("combobox", name="Campaign").locator("option:checked")).to_have_text(
        "Win a bike"
    )
    shared_funnel = shared.get_by_role("table", name="Funnel by source and by campaign")
    expect(cells(shared_funnel, "All leads")).to_have_text(["2", "2", "2", "1", "50%"])
    shared.close()

    # The reps' CSV, for the same filters.
    with page.expect_download() as download:
        page.get_by_role("link", name="Reps CSV").click()
    name = f"dashboard-reps-2026-01-01-to-2026-03-31-campaign-{giveaway.pk}.csv"
    assert download.value.suggested_filename == name
    assert read_csv(download.value) == [
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
        ["Alice Rep", "alice", "1", "0", "0", "0", "1", "0.0", "0"],
        ["Bob Rep", "bob", "1", "1", "0", "0", "0", "100.0", "2"],
    ]

    # A bad filter in the URL: the form says what is wrong, with a 400.
    response = page.goto("/dashboard/?start=nonsense")
    assert response.status == 400
    expect(page.locator("#id_start_error")).to_have_text("Enter a valid date.")
    expect(page.locator(".subtitle")).to_have_text("Choose a period.")
    expect(page.locator("#funnel")).to_have_count(0)

    # ... and a period that ends before it starts, through the form.
    page.get_by_role("textbox", name="From").fill("2026-03-31")
    page.get_by_role("textbox", name="To", exact=True).fill("2026-01-01")
    with page.expect_response(re.compile(r"/dashboard/\?")) as answer:
        page.get_by_role("button", name="Show").click()
    assert answer.value.status == 400
    expect(page).to_have_url(re.compile(r"\?start=2026-03-31&end=2026-01-01"))
    expect(page.locator("#id_end_error")).to_have_text("The last day is before the first.")
    expect(page.locator("#funnel")).to_have_count(0)


def test_a_rep_has_no_dashboard(page, rep_alice):
    log_in(page, "alice")

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Leads")).to_be_visible()
    expect(nav.get_by_role("link", name="Dashboard")).to_have_count(0)
    assert page.goto("/dashboard/").status == 403
    assert page.goto("/dashboard/funnel.csv").status == 403
