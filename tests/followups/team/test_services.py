"""Sharing leads out (followups.team.services) on many leads: the same queries for
few as for many, and every lead moved however many batches it takes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Lead
from followups.team import services as team_services
from followups.team.services import leads_share_by_territory, leads_share_round_robin
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


# The services, on many leads


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_sharing_out_costs_the_same_queries_for_few_leads_as_for_many(
    manager_maria, rep_alice, rep_bob, monkeypatch
):
    monkeypatch.setattr(team_services, "BATCH", 50)
    few = LeadFactory.create_batch(6, country="DE")
    many = LeadFactory.create_batch(40, country="FR")
    for person in (rep_alice, rep_bob, manager_maria):  # their roles, read once a person
        assert person.is_rep or person.is_manager

    counts = [
        _queries(
            lambda leads=leads: leads_share_round_robin(
                leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
                people=[rep_alice, rep_bob],
                by=manager_maria,
            )
        )
        for leads in (few, many)
    ]
    by_country = [
        _queries(
            lambda country=country: leads_share_by_territory(
                leads=Lead.objects.filter(country=country),
                chosen={(country, ""): rep_bob},
                by=manager_maria,
            )
        )
        for country in ("DE", "FR")
    ]

    assert counts[0] == counts[1]
    assert by_country[0] == by_country[1]


def test_sharing_out_more_leads_than_a_batch_moves_every_one(
    manager_maria, rep_alice, rep_bob, monkeypatch
):
    monkeypatch.setattr(team_services, "BATCH", 4)
    leads = LeadFactory.create_batch(11)

    shared = leads_share_round_robin(
        leads=Lead.objects.all(), people=[rep_alice, rep_bob], by=manager_maria
    )

    assert [(person.username, moved.leads) for person, moved in shared] == [
        ("alice", 6),
        ("bob", 5),
    ]
    owners_in_order = Lead.objects.order_by("pk").values_list("owner__username", flat=True)
    assert list(owners_in_order) == ["alice", "bob"] * 5 + ["alice"]
    assert len(leads) == 11
