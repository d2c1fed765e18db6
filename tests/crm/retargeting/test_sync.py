"""An audience linked to an ad audience, kept in sync against a platform on
loopback: who joins and who leaves is sent in batches after each change, a sync
run twice sends nothing twice, consent withdrawn and a customer now excluded are
removals, and an expired token or a platform's error marks the connection as
needing attention without losing anything: the changes go once it works again."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import periodic
from crm.audiences.services import audience_save
from crm.models import Lead
from crm.privacy.services import lead_erase
from crm.retargeting import services, syncing
from crm.retargeting.jobs import ad_audience_sync, ad_syncs_due
from crm.retargeting.models import AdAudienceMember, AdConnection, AdSyncLog, AudienceAdLink
from crm.retargeting.services import ad_connection_save, audience_ad_link_create
from crm.services import interaction_record, lead_update
from mailings.consent.services import consent_withdraw
from tests.crm.audiences.people import NOW, Kind, person
from tests.crm.retargeting.backends.google_ads import google_ads_api
from tests.crm.retargeting.backends.test_meta import graph_api

pytestmark = pytest.mark.django_db

AD_AUDIENCE = "23850000000000001"
TOKEN = "EAAB-meta-token-9f2A"
IN_GERMANY = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}
NOT_CUSTOMERS = {
    "match": "all",
    "rules": [{"type": "stage", "stages": ["new", "working", "qualified"]}],
}
State = AdAudienceMember.State


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meta(loopback_platform, settings):
    platform, url = loopback_platform(graph_api)
    settings.META_GRAPH_API_BASE_URL = url
    settings.META_GRAPH_API_VERSION = "v25.0"
    return platform


@pytest.fixture
def connection(manager_maria) -> AdConnection:
    return ad_connection_save(
        by=manager_maria,
        token=TOKEN,
        platform="meta",
        name="Meta EU",
        account_id="act_1",
        login_customer_id="",
        developer_token="",
    )


def consenting(first_name: str, **fields) -> Lead:
    fields.setdefault("email", f"{first_name.lower()}@example.org")
    return person(first_name, country="DE", email_consent="confirmed", **fields)


def audience_of(definition: dict, by):
    return audience_save(name="Germany", definition=definition, is_active=True, by=by)


def uploads(platform, method: str) -> list[list[str]]:
    """The hashed emails of each request to the users edge with this method."""
    found = []
    for request in platform.requests:
        if request.method == method and request.path.endswith(f"/{AD_AUDIENCE}/users"):
            payload = request.form()["payload"]
            column = payload["schema"].index("EMAIL")
            found.append([row[column] for row in payload["data"]])
    return found


def ledger(link) -> dict[str, str]:
    members = AdAudienceMember.objects.filter(link=link).select_related("lead")
    return {(m.lead.first_name if m.lead else "(gone)"): m.state for m in members}


def test_linking_sends_the_members_consent_allows_in_batches_and_logs(
    meta, connection, manager_maria
):
    audience = audience_of(IN_GERMANY, manager_maria)
    for name in ("Anna", "Ben", "Cleo", "Dirk", "Emil"):
        consenting(name)
    person("Nora", country="DE", email="nora@example.org", email_consent="none")
    link = AudienceAdLink.objects.create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    log = syncing.ad_audience_sync(link_id=link.pk, now=NOW, backend_options={"batch_size": 2})

    sent = uploads(meta, "POST")
    assert [len(batch) for batch in sent] == [2, 2, 1]
    assert sorted(email for batch in sent for email in batch) == sorted(
        sha(f"{name}@example.org") for name in ("anna", "ben", "cleo", "dirk", "emil")
    )
    assert (log.added, log.removed, log.failed, log.error) == (5, 0, 0, "")
    assert set(ledger(link).values()) == {State.SYNCED}
    assert "Nora" not in ledger(link)


def test_a_sync_run_twice_sends_nothing_twice(meta, connection, manager_maria):
    audience = audience_of(IN_GERMANY, manager_maria)
    consenting("Anna")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )
    assert len(meta.requests) == 1

    ad_audience_sync(link.pk)
    ad_audience_sync(link.pk)

    assert len(meta.requests) == 1
    assert AdSyncLog.objects.filter(link=link).count() == 1


def test_joining_and_leaving_the_audience_are_sent_after_each_change(
    meta, connection, manager_maria
):
    audience = audience_of(IN_GERMANY, manager_maria)
    anna = consenting("Anna")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    consenting("Ben")
    lead_update(lead=anna, fields={"country": "AT"}, phone=None, by=manager_maria)

    assert uploads(meta, "POST") == [[sha("anna@example.org")], [sha("ben@example.org")]]
    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert ledger(link) == {"Ben": State.SYNCED}
    latest = AdSyncLog.objects.filter(link=link).first()
    assert (latest.added, latest.removed) == (0, 1)


def test_withdrawn_consent_removes_the_person_though_the_audience_keeps_them(
    meta, connection, manager_maria
):
    audience = audience_of(IN_GERMANY, manager_maria)
    consenting("Dana")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    consent_withdraw(email="DANA@example.org", source="unsubscribe link")

    assert audience.members.count() == 1
    assert uploads(meta, "DELETE") == [[sha("dana@example.org")]]
    assert ledger(link) == {}


def test_a_customer_leaves_an_audience_that_excludes_customers(meta, connection, manager_maria):
    audience = audience_of(NOT_CUSTOMERS, manager_maria)
    buyer = consenting("Buyer", stage="working")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    interaction_record(lead=buyer, kind=Kind.PURCHASE, data={"products": ["crm-pro"]})

    assert uploads(meta, "DELETE") == [[sha("buyer@example.org")]]
    assert ledger(link) == {}


def test_a_changed_email_removes_the_old_identifiers_and_adds_the_new(
    meta, connection, manager_maria
):
    audience = audience_of(IN_GERMANY, manager_maria)
    anna = consenting("Anna")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    lead_update(lead=anna, fields={"email": "anna@new.example"}, phone=None, by=manager_maria)

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert uploads(meta, "POST")[-1] == [sha("anna@new.example")]
    assert ledger(link) == {"Anna": State.SYNCED}


def test_a_deleted_lead_is_removed_at_the_periodic_pass(meta, connection, manager_maria):
    audience = audience_of(IN_GERMANY, manager_maria)
    anna = consenting("Anna")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    anna.delete()
    ad_syncs_due(NOW.isoformat())

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert ledger(link) == {}


def test_an_erased_person_is_removed_from_the_ad_audience(meta, connection, manager_maria):
    audience = audience_of(IN_GERMANY, manager_maria)
    anna = consenting("Anna")
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    lead_erase(lead=anna, by=manager_maria)

    assert uploads(meta, "DELETE") == [[sha("anna@example.org")]]
    assert not AdAudienceMember.objects.filter(link=link).exists()


EXPIRED = (401, {"error": {"message": "Error validating access token", "code": 190}})


def test_an_expired_token_needs_attention_and_loses_nothing(meta, connection, maria):
    audience = audience_of(IN_GERMANY, None)
    consenting("Anna")
    meta.script("/users", EXPIRED)

    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    connection.refresh_from_db()
    assert connection.needs_attention
    assert "Error validating access token" in connection.status_reason
    assert ledger(link) == {"Anna": State.PENDING_ADD}
    log = AdSyncLog.objects.get(link=link)
    assert log.added == 0 and "Error validating access token" in log.error
    for page in (maria.get(reverse("ad_connections:list")), maria.get(audience.get_absolute_url())):
        assert "Needs attention" in page.text or "needs attention" in page.text
        assert "Error validating access token" in page.text

    consenting("Ben")  # joins while the connection is broken: waits too
    assert len(uploads(meta, "POST")) == 1
    assert ledger(link) == {"Anna": State.PENDING_ADD, "Ben": State.PENDING_ADD}
    assert services.ad_syncs_due(now=timezone.now()) == []  # not retried while it needs attention

    maria.post(
        connection.get_absolute_url(),
        {"platform": "meta", "name": "Meta EU", "account_id": "act_1", "access_token": "EAAB-new"},
    )

    connection.refresh_from_db()
    assert not connection.needs_attention
    assert sorted(uploads(meta, "POST")[-1]) == sorted(
        [sha("anna@example.org"), sha("ben@example.org")]
    )
    assert meta.requests[-1].form()["access_token"] == "EAAB-new"
    assert ledger(link) == {"Anna": State.SYNCED, "Ben": State.SYNCED}


def test_check_again_sends_what_waited_after_a_platform_error(meta, connection, maria):
    audience = audience_of(IN_GERMANY, None)
    consenting("Anna")
    meta.script("/users", (400, {"error": {"message": "Audience does not exist", "code": 100}}))
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )
    connection.refresh_from_db()
    assert connection.needs_attention and "Audience does not exist" in connection.status_reason
    assert ledger(link) == {"Anna": State.PENDING_ADD}

    response = maria.post(
        reverse("ad_connections:check", args=[connection.pk]), {"audience": audience.pk}
    )

    assert response["Location"] == audience.get_absolute_url()
    connection.refresh_from_db()
    assert not connection.needs_attention
    assert ledger(link) == {"Anna": State.SYNCED}


def test_a_platform_that_asks_to_wait_is_tried_again_by_the_periodic_pass(
    meta, connection, manager_maria, at_noon
):
    audience = audience_of(IN_GERMANY, manager_maria)
    consenting("Anna")
    meta.script("/users", (429, {"error": {"message": "Too many calls"}}, {"Retry-After": "3600"}))
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )
    connection.refresh_from_db()
    assert not connection.needs_attention
    assert ledger(link) == {"Anna": State.PENDING_ADD}
    assert "next try" in AdSyncLog.objects.get(link=link).error

    at_noon.shift(dt.timedelta(minutes=5))
    assert "ad_syncs_due" in periodic.enqueue_due(timezone.now())

    assert ledger(link) == {"Anna": State.SYNCED}
    assert AdSyncLog.objects.filter(link=link).first().added == 1


def test_a_google_ads_link_runs_a_customer_match_job(loopback_platform, settings, manager_maria):
    platform, url = loopback_platform(google_ads_api)
    settings.GOOGLE_ADS_API_BASE_URL, settings.GOOGLE_ADS_API_VERSION = url, "v26"
    google = ad_connection_save(
        by=manager_maria,
        token="ya29.token",
        platform="google_ads",
        name="Google Ads",
        account_id="123-456-7890",
        login_customer_id="987-654-3210",
        developer_token="dev-token",
    )
    audience = audience_of(IN_GERMANY, manager_maria)
    consenting("Anna", phone="+4930123456")

    link = audience_ad_link_create(audience=audience, connection=google, platform_audience_id="555")

    paths = [request.path.rsplit("/", 1)[-1] for request in platform.requests]
    assert paths == ["offlineUserDataJobs:create", "777:addOperations", "777:run"]
    create = platform.requests[0]
    assert create.json()["job"]["customerMatchUserListMetadata"]["userList"] == (
        "customers/1234567890/userLists/555"
    )
    assert create.headers["login-customer-id"] == "9876543210"
    operations = platform.requests[1].json()["operations"]
    assert operations[0]["create"]["userIdentifiers"][0] == {"hashedEmail": sha("anna@example.org")}
    assert ledger(link) == {"Anna": State.SYNCED}


def test_the_audience_page_shows_the_sync_state(meta, connection, maria):
    audience = audience_of(IN_GERMANY, None)
    consenting("Anna")
    audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )

    page = maria.get(audience.get_absolute_url())

    assert page.status_code == 200
    assert "Meta EU" in page.text and AD_AUDIENCE in page.text
    assert "1 sent · 0 to add · 0 to remove" in page.text
    assert TOKEN not in page.text


def test_linking_from_the_audience_page_and_bad_input(meta, connection, maria):
    audience = audience_of(IN_GERMANY, None)
    link_url = reverse("retargeting:link", args=[audience.pk])

    bad = maria.post(link_url, {"connection": connection.pk, "platform_audience_id": "12ab"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"platform_audience_id"}
    missing = maria.post(link_url, {"connection": 999999, "platform_audience_id": "1"})
    assert missing.status_code == 400 and "connection" in missing.context["form"].errors

    good = maria.post(link_url, {"connection": connection.pk, "platform_audience_id": AD_AUDIENCE})
    assert good.status_code == 302
    link = AudienceAdLink.objects.get()
    unlink = maria.post(reverse("retargeting:unlink", args=[audience.pk, link.pk]))
    assert unlink.status_code == 302 and not AudienceAdLink.objects.exists()


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_only_managers_link_and_sync(client, request, meta, connection, manager_maria, persona):
    audience = audience_of(IN_GERMANY, manager_maria)
    link = audience_ad_link_create(
        audience=audience, connection=connection, platform_audience_id=AD_AUDIENCE
    )
    client.force_login(request.getfixturevalue(persona))

    for url in (
        reverse("retargeting:link", args=[audience.pk]),
        reverse("retargeting:sync", args=[audience.pk, link.pk]),
        reverse("retargeting:unlink", args=[audience.pk, link.pk]),
    ):
        assert client.post(url, {"platform_audience_id": "1"}).status_code == 403
    assert AudienceAdLink.objects.count() == 1


def test_the_periodic_task_is_registered_every_5_minutes(db):
    task = {task.name: task for task in periodic.registered()}["ad_syncs_due"]
    assert task.every == dt.timedelta(minutes=5)


def test_the_audience_page_costs_the_same_with_more_links(
    meta, connection, maria, manager_maria, django_assert_num_queries
):
    audience = audience_of(IN_GERMANY, manager_maria)
    consenting("Anna")
    for audience_id in (AD_AUDIENCE, "2", "3"):
        audience_ad_link_create(
            audience=audience, connection=connection, platform_audience_id=audience_id
        )
    maria.get(audience.get_absolute_url())
    with CaptureQueriesContext(db) as three_links:
        maria.get(audience.get_absolute_url())
    AudienceAdLink.objects.exclude(platform_audience_id=AD_AUDIENCE).delete()

    with django_assert_num_queries(len(three_links)):
        maria.get(audience.get_absolute_url())
