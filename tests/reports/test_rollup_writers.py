"""The rollups' triggers never make one writer wait for another: an import is one
long transaction, and a lead from a web form for the same campaign the same day
must not wait for it to commit (the triggers append; they never update a row)."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from reports.models import LeadRollup
from tests.factories import CampaignFactory, LeadFactory

# serialized_rollback as every transactional test here: a flush without it brings the
# content types back, which the next serialized test then restores a second time.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgres"),
]


def test_a_lead_does_not_wait_for_an_open_transaction_of_its_campaign():
    campaign = CampaignFactory()
    inside, release = threading.Event(), threading.Event()

    def a_long_import():
        try:
            with transaction.atomic():
                LeadFactory(source_campaign=campaign)
                inside.set()
                release.wait(30)
        finally:
            connections.close_all()

    importer = threading.Thread(target=a_long_import)
    importer.start()
    try:
        assert inside.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            LeadFactory(source_campaign=campaign)
    finally:
        release.set()
        importer.join()

    counted = LeadRollup.objects.filter(campaign=campaign).aggregate(n=Sum("leads"))["n"]
    assert counted == 2
