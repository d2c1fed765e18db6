"""The lead list's export: every column, the filters and order, who may, and its links."""

import codecs
import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from crm.models import Lead
from tests.crm.exports.downloads import EXPORT_URLS, both_formats, emails, export, read_xlsx
from tests.crm.views.pages import LEAD_LIST
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_csv_export_writes_every_column_in_readable_form(maria, rep_alice):
    lead = LeadFactory(
        name_prefix="Dr.",
        first_name="Zoë",
        last_name="Ørsted",
        name_suffix="PhD",
        email="zoe@example.org",
        other_contacts="+4930123456 zoe@home.example",
        phone="+14155552671",
        phone_ext="12",
        company="Café Crème",
        title="CTO",
        address_line1="1 Main St",
        address_line2="Suite 2",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
        time_zone="America/Chicago",
        stage=Lead.Stage.QUALIFIED,
        score=42,
        owner=rep_alice,
        source_campaign=CampaignFactory(name="Expo Zürich"),
        email_consent=Lead.EmailConsent.CONFIRMED,
        do_not_call=True,
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_activity_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=ZoneInfo("Europe/Berlin")),
    )

    [row] = export(maria, "csv")

    assert row == {
        "ID": str(lead.pk),
        "Name prefix": "Dr.",
        "First name": "Zoë",
        "Last name": "Ørsted",
        "Name suffix": "PhD",
        "Other emails and phones": "'+4930123456 zoe@home.example",
        "Email": "zoe@example.org",
        "Phone": "'+14155552671",  # E.164 starts with "+", so it is neutralised too
        "Phone extension": "12",
        "Company": "Café Crème",
        "Title": "CTO",
        "Address line 1": "1 Main St",
        "Address line 2": "Suite 2",
        "City": "Springfield",
        "Region": "IL",
        "Postal code": "62701",
        "Country": "US",
        "Time zone": "America/Chicago",
        "Stage": "qualified",
        "Score": "42",
        "Owner": "alice",
        "Source campaign": "Expo Zürich",
        "Email consent": "confirmed",
        "Do not call": "True",
        "Do not mail": "False",
        "Created at": "2025-01-02T03:04:05Z",
        "Last activity at": "2025-03-04T04:06:07Z",
    }


def test_the_csv_export_is_an_attachment_named_by_date_with_a_bom(maria):
    LeadFactory(company="Société Générale")

    response = maria.get(EXPORT_URLS["csv"])
    content = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    assert content.startswith(codecs.BOM_UTF8)
    assert "Société Générale" in content.decode("utf-8-sig")


def test_the_xlsx_export_is_a_workbook_named_by_date(maria):
    LeadFactory(company="Société Générale", score=7, do_not_mail=True)

    response = maria.get(EXPORT_URLS["xlsx"])
    [row] = read_xlsx(b"".join(response.streaming_content))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert re.fullmatch(
        r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.xlsx"', response["Content-Disposition"]
    )
    assert (row["Company"], row["Score"], row["Do not mail"]) == ("Société Générale", 7, True)


@both_formats
def test_a_reps_export_holds_only_their_own_leads(alice, rep_alice, rep_bob, fmt):
    LeadFactory(owner=rep_alice, email="mine@example.org")
    LeadFactory(owner=rep_bob, email="bobs@example.org")
    LeadFactory(owner=None, email="nobodys@example.org")

    assert emails(export(alice, fmt)) == ["mine@example.org"]
    assert emails(export(alice, fmt, {"q": "bobs"})) == []


@both_formats
def test_the_export_honours_the_stage_and_search_filters(maria, fmt):
    LeadFactory(email="working.acme@example.org", company="Acme", stage=Lead.Stage.WORKING)
    LeadFactory(email="new.acme@example.org", company="Acme", stage=Lead.Stage.NEW)
    LeadFactory(email="working.other@example.org", company="Other", stage=Lead.Stage.WORKING)

    rows = export(maria, fmt, {"stage": "working", "q": "acme"})

    assert emails(rows) == ["working.acme@example.org"]


@both_formats
def test_the_export_holds_every_page_in_the_lists_order(maria, fmt):
    for i in range(60):
        LeadFactory(last_name=f"Name{59 - i:02}", email=f"p{i}@example.org")

    rows = export(maria, fmt, {"sort": "name", "after": "5"})

    assert [row["Last name"] for row in rows] == [f"Name{i:02}" for i in range(60)]


@both_formats
def test_an_invalid_filter_answers_400(maria, fmt):
    response = maria.get(EXPORT_URLS[fmt], {"stage": "bogus"})

    assert response.status_code == 400


@both_formats
def test_an_anonymous_visitor_is_sent_to_login(client, fmt):
    response = client.get(EXPORT_URLS[fmt])

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={EXPORT_URLS[fmt]}"


@both_formats
def test_the_mailroom_gets_only_the_heading_row(client, mailroom_max, fmt):
    LeadFactory()

    client.force_login(mailroom_max)
    assert export(client, fmt) == []


@both_formats
def test_the_export_runs_a_bounded_number_of_queries(
    maria, rep_alice, django_assert_max_num_queries, fmt
):
    campaign = CampaignFactory(name="Expo")
    LeadFactory.create_batch(200, owner=rep_alice, source_campaign=campaign)

    # session, user, roles, the leads (owners and campaigns joined)
    with django_assert_max_num_queries(4):
        rows = export(maria, fmt, {"country": "US"})

    assert len(rows) == 200
    assert {(row["Owner"], row["Source campaign"]) for row in rows} == {("alice", "Expo")}


def export_links(text: str) -> dict[str, dict[str, list[str]]]:
    links = re.findall(r'<a class="button" href="(/leads/export\.(\w+)[^"]*)">', text)
    return {fmt: parse_qs(urlsplit(html.unescape(url)).query) for url, fmt in links}


def test_the_list_page_links_to_exports_of_the_current_filters(maria):
    response = maria.get(LEAD_LIST, {"stage": "working", "q": "acme", "after": "12"})

    assert export_links(response.text) == {
        "csv": {"stage": ["working"], "q": ["acme"]},
        "xlsx": {"stage": ["working"], "q": ["acme"]},
    }


def test_filtering_with_htmx_updates_the_export_links(maria):
    response = maria.get(LEAD_LIST, {"stage": "new"}, headers={"HX-Request": "true"})

    assert 'id="lead-export" class="export-links" hx-swap-oob="true"' in response.text
    assert export_links(response.text)["csv"] == {"stage": ["new"]}
