"""Ad audiences that cadences feed (destinations): a manager adds one on the
connection's page; a lead put on one by an ads step goes to the platform at the
sync and comes off at a later sync, the whole way through the scheduler pass
and the Meta platform on loopback."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.retargeting.models import AdAudienceMember, AdSyncLog, AudienceAdLink
from crm.retargeting.services import ad_destination_create
from followups.cadences.models import Channel, Enrolment
from followups.cadences.services import enrolment_create
from followups.scheduler import scheduler_pass
from tests.crm.audiences.people import NOW
from tests.crm.retargeting.test_sync import (  # noqa: F401 (fixtures)
    AD_AUDIENCE,
    at_noon,
    connection,
    consenting,
    meta,
    sha,
    uploads,
)
from tests.followups.cadences.factories import cadence_with

pytestmark = pytest.mark.django_db


def test_a_manager_adds_an_ad_audience_for_cadences(maria, connection):  # noqa: F811
    url = reverse("ad_connections:destination_create", args=[connection.pk])

    response = maria.post(
        url, {"destination-name": "Booth retargeting", "destination-platform_audience_id": "2385"}
    )
    again = maria.post(
        url, {"destination-name": "Booth retargeting", "destination-platform_audience_id": "2385"}
    )

    assert response.status_code == again.status_code == 302
    (destination,) = AudienceAdLink.objects.filter(audience=None)
    assert (destination.name, destination.platform_audience_id) == ("Booth retargeting", "2385")
    page = maria.get(connection.get_absolute_url()).content.decode()
    assert "Booth retargeting" in page


def test_a_bad_ad_audience_id_is_a_400_beside_the_field(maria, connection):  # noqa: F811
    url = reverse("ad_connections:destination_create", args=[connection.pk])

    response = maria.post(
        url, {"destination-name": "Booth", "destination-platform_audience_id": "abc"}
    )

    assert response.status_code == 400
    assert "digits, as the platform shows it" in response.content.decode()
    assert not AudienceAdLink.objects.exists()


def test_only_managers_add_ad_audiences(client, rep_alice, connection):  # noqa: F811
    client.force_login(rep_alice)
    url = reverse("ad_connections:destination_create", args=[connection.pk])

    response = client.post(
        url, {"destination-name": "Booth", "destination-platform_audience_id": "1"}
    )

    assert response.status_code == 403


def test_an_ads_step_is_sent_as_an_add_then_a_remove(meta, connection):  # noqa: F811
    destination = ad_destination_create(
        connection=connection, platform_audience_id=AD_AUDIENCE, name="Booth retargeting"
    )
    cadence = cadence_with({"channel": Channel.ADS, "ad_link": destination, "ad_days": 3})
    for name in ("Anna", "Ben"):
        enrolment_create(cadence=cadence, lead=consenting(name), source="Booth", now=NOW)

    scheduler_pass(now=NOW)
    added = list(AdAudienceMember.objects.values_list("state", flat=True))
    scheduler_pass(now=NOW + dt.timedelta(days=3))

    assert added == ["synced", "synced"]
    assert uploads(meta, "POST") == [[sha("anna@example.org"), sha("ben@example.org")]]
    assert uploads(meta, "DELETE") == [[sha("anna@example.org"), sha("ben@example.org")]]
    assert list(AdSyncLog.objects.order_by("pk").values_list("added", "removed", "error")) == [
        (2, 0, ""),
        (0, 2, ""),
    ]
    assert not AdAudienceMember.objects.exists()
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"finished"}
