"""The builder's ads step: a manager picks an ad destination (an ad audience that
cadences feed) and a number of days; bad input is a 400 with the reason beside
the field; the cadence's page counts the leads added, removed and skipped."""

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.audiences.services import audience_save
from crm.retargeting.models import AdConnection, AudienceAdLink
from crm.retargeting.services import (
    ad_connection_needs_attention,
    ad_connection_save,
    ad_destination_create,
    ad_membership_add,
)
from followups.cadences.models import AdRun, Cadence, Channel, Enrolment
from followups.cadences.services import enrolment_create
from followups.models import Touch
from mailings.cadences.builder.dryrun import cadence_dry_run
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.mailings.cadences.builder.pages import add_step, field_error, fill, page_data

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def connection(manager_maria) -> AdConnection:
    return ad_connection_save(
        by=manager_maria,
        token="EAAB-meta-token-9f2A",
        platform="meta",
        name="Meta EU",
        account_id="act_1",
        login_customer_id="",
        developer_token="",
    )


@pytest.fixture
def destination(connection) -> AudienceAdLink:
    return ad_destination_create(
        connection=connection, platform_audience_id="2385001", name="Booth retargeting"
    )


@pytest.fixture
def linked(connection, manager_maria) -> AudienceAdLink:
    """An audience's link: kept by its audience, not a destination for steps."""
    definition = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}
    audience = audience_save(
        name="Germany", definition=definition, is_active=True, by=manager_maria
    )
    return AudienceAdLink.objects.create(
        audience=audience, connection=connection, platform_audience_id="999"
    )


def ads_page(client, **values) -> tuple[dict, str]:
    data = page_data(client, reverse("cadences:create"))
    fill(data, "", name="Booth ads")
    step = add_step(client, data, Channel.ADS, **values)
    return data, step


def test_a_manager_adds_an_ads_step(maria, destination):
    data, _ = ads_page(maria, ad_link=destination.pk, ad_days=30)

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 302
    step = Cadence.objects.get(name="Booth ads").steps.get()
    assert (step.channel, step.ad_link, step.ad_days) == ("ads", destination, 30)


def test_the_step_offers_only_destinations_not_audience_links(maria, destination, linked):

    block = maria.get(reverse("cadences:step_block"), {"channel": Channel.ADS}).text

    assert "Booth retargeting (Meta EU)" in block
    assert f'value="{linked.pk}"' not in block


@pytest.mark.parametrize(
    "values, field, error",
    [
        ({"ad_days": 14}, "ad_link", "Choose the ad audience the ads are shown in."),
        ({"ad_link": "audience-link", "ad_days": 14}, "ad_link", "Select a valid choice"),
        ({"ad_link": "destination"}, "ad_days", "Say for how many days, 1 to 365."),
        ({"ad_link": "destination", "ad_days": 0}, "ad_days", "greater than or equal to 1"),
        ({"ad_link": "destination", "ad_days": 366}, "ad_days", "less than or equal to 365"),
        ({"ad_link": "destination", "ad_days": "two"}, "ad_days", "Enter a whole number."),
    ],
)
def test_bad_ads_settings_are_a_400_beside_the_field(
    maria, destination, linked, values, field, error
):
    chosen = {"destination": destination.pk, "audience-link": linked.pk}
    values = {name: chosen.get(value, value) for name, value in values.items()}
    data, step = ads_page(maria, **values)

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 400
    assert error in field_error(response, f"{step}-{field}")
    assert not Cadence.objects.filter(name="Booth ads").exists()


def test_the_cadence_page_counts_added_removed_and_skipped(
    maria, destination, django_assert_max_num_queries
):
    cadence = cadence_with({"channel": Channel.ADS, "ad_link": destination, "ad_days": 7})
    step = cadence.steps.get()
    for number, (status, removed) in enumerate(
        [("done", True), ("done", True), ("done", False), ("skipped", False)]
    ):
        touch = _touch(cadence, step, number, status)
        if status == "done":
            AdRun.objects.create(
                touch=touch,
                enrolment=touch.enrolment,
                link=destination,
                lead=touch.lead,
                step=step,
                until=touch.due_at,
                removed_at=touch.due_at if removed else None,
            )

    text = maria.get(cadence.get_absolute_url()).content.decode()

    assert "Ads in Booth retargeting (Meta EU) for 7 days" in text
    assert "<dt>Added to ads</dt><dd>3</dd>" in text
    assert "<dt>Removed again</dt><dd>2</dd>" in text
    assert "<dt>Showing now</dt><dd>1</dd>" in text
    assert "<dt>Skipped</dt><dd>1</dd>" in text
    assert "their consent does not allow ads (1)" in text


def test_the_cadence_page_shows_the_destinations_sync_state(maria, destination):
    """What waits to go to the platform, and a connection that needs a manager, on
    the ads step itself (as on an audience's page)."""
    cadence = cadence_with({"channel": Channel.ADS, "ad_link": destination, "ad_days": 7})
    ad_connection_needs_attention(  # so that nothing is sent: the adds wait
        connection=destination.connection,
        reason="The platform refused the token (expired).",
        now=timezone.now(),
    )
    leads = [LeadFactory(email=f"wait{n}@example.org", email_consent="confirmed") for n in range(3)]
    ad_membership_add(link=destination, lead_ids=[lead.pk for lead in leads], now=timezone.now())

    text = maria.get(cadence.get_absolute_url()).content.decode()

    assert "On the platform: 0 sent · 3 to add · 0 to remove · no sync yet" in text
    assert "Meta EU needs attention" in text
    assert "The platform refused the token (expired)." in text
    assert reverse("ad_connections:edit", args=[destination.connection.pk]) in text


def _touch(cadence, step, number: int, status: str) -> Touch:
    lead = LeadFactory(email=f"lead{number}@example.org")
    enrolment = Enrolment.objects.create(
        cadence=cadence, lead=lead, source="Booth", status=Enrolment.Status.FINISHED
    )
    return Touch.objects.create(
        lead=lead,
        channel=Channel.ADS,
        due_at=timezone.now(),
        status=status,
        outcome="added to the ad audience"
        if status == "done"
        else "their consent does not allow ads",
        key=f"test:{number}",
        reason="Booth ads",
        enrolment=enrolment,
        step=step,
        attempt=1,
    )


def test_the_dry_run_says_who_gets_no_ads_and_why(destination):
    cadence = cadence_with({"channel": Channel.ADS, "ad_link": destination, "ad_days": 7})
    for name, consent in (("Ann", "confirmed"), ("Ned", "none")):
        lead = LeadFactory(first_name=name, email=f"{name}@example.org", email_consent=consent)
        enrolment_create(cadence=cadence, lead=lead, source="Booth")

    rows = cadence_dry_run(cadence).rows

    assert sorted((row.lead.first_name, row.skipped) for row in rows) == [
        ("Ann", ""),
        ("Ned", "Their consent does not allow ads"),
    ]
