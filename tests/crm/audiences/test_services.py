import datetime as dt

import pytest
import time_machine

from crm import jobs as crm_jobs
from crm import periodic
from crm.audiences import jobs
from crm.audiences.models import Audience, AudienceMember
from crm.audiences.rules.base import DefinitionError
from crm.audiences.services import (
    audience_members_update,
    audience_refresh,
    audience_save,
    audiences_refresh_due,
)
from crm.models import Interaction, Lead
from crm.services import interaction_record, lead_merge, lead_update
from followups.team.services import leads_reassign
from mailings.consent.services import consent_withdraw
from tests.crm.audiences.people import NOW, Kind, ago, did, expo_2026, person, visit

pytestmark = pytest.mark.django_db

PRICING_THIS_WEEK = {
    "match": "all",
    "rules": [{"type": "visited_page", "path": "/pricing*", "days": 7}],
}
NOT_CHECKOUT = {"match": "all", "rules": [{"type": "not_visited_page", "path": "/checkout*"}]}
IN_GERMANY = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}
# Signed up in the last two weeks, but not in the last three days, and made no project.
NO_PROJECT_YET = {
    "match": "all",
    "rules": [
        {"type": "app_event", "name": "signed_up", "days": 14},
        {"type": "not_app_event", "name": "signed_up", "days": 3},
        {"type": "not_app_event", "name": "project_created"},
    ],
}


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


def members(audience: Audience) -> set[str]:
    names = AudienceMember.objects.filter(audience=audience).values_list(
        "lead__first_name", flat=True
    )
    return set(names)


def saved(definition: dict, by, name: str = "Test audience", **fields) -> Audience:
    audience = audience_save(name=name, definition=definition, is_active=True, by=by, **fields)
    audience.refresh_from_db()
    return audience


def arrive(lead: Lead, kind: str, **fields) -> Interaction:
    """An interaction recorded now, and the job its recording queues (hooks included)."""
    interaction = did(lead, kind, NOW, **fields)
    crm_jobs.interactions_recorded([interaction.pk])
    return interaction


def test_saving_an_audience_works_out_its_members(manager_maria):
    visit(person("Pia"), "/pricing", ago(2))
    visit(person("Olga"), "/pricing", ago(30))

    audience = saved(PRICING_THIS_WEEK, manager_maria)

    assert members(audience) == {"Pia"}
    assert audience.member_count == 1
    assert audience.members_refreshed_at == NOW
    assert audience.created_by == manager_maria


def test_saving_invalid_rules_saves_nothing(manager_maria):
    with pytest.raises(DefinitionError) as raised:
        audience_save(
            name="Broken",
            definition={"match": "all", "rules": []},
            is_active=True,
            by=manager_maria,
        )
    assert raised.value.errors == {"rules": ["Add at least one rule."]}
    assert not Audience.objects.exists()


def test_changing_the_rules_rebuilds_the_members(manager_maria):
    person("Hans", country="DE")
    person("Ann", country="US")
    audience = saved(IN_GERMANY, manager_maria)
    assert members(audience) == {"Hans"}

    in_us = {"match": "all", "rules": [{"type": "country", "countries": ["US"]}]}
    audience = audience_save(
        audience=audience, name="Americans", definition=in_us, is_active=True, by=manager_maria
    )

    assert members(audience) == {"Ann"}
    assert Audience.objects.get().member_count == 1


def test_an_interaction_arriving_adds_its_lead(manager_maria):
    audience = saved(PRICING_THIS_WEEK, manager_maria)
    pia, cole = person("Pia"), person("Cole")
    assert members(audience) == set()

    arrive(pia, Kind.WEB_VISIT, path="/pricing/enterprise")
    arrive(cole, Kind.WEB_VISIT, path="/blog")

    assert members(audience) == {"Pia"}
    audience.refresh_from_db()
    assert audience.member_count == 1


def test_an_interaction_arriving_can_take_a_lead_out(manager_maria):
    cole = person("Cole")
    audience = saved(NOT_CHECKOUT, manager_maria)
    assert members(audience) == {"Cole"}

    arrive(cole, Kind.WEB_VISIT, path="/checkout")

    assert members(audience) == set()
    assert Audience.objects.get().member_count == 0


def test_a_purchase_makes_a_customer_member_through_the_stage_its_hook_sets(manager_maria):
    customers = {"match": "all", "rules": [{"type": "stage", "stages": ["customer"]}]}
    audience = saved(customers, manager_maria)
    buyer = person("Buyer", stage="working")

    interaction_record(lead=buyer, kind=Kind.PURCHASE, data={"products": ["crm-pro"]})

    assert members(audience) == {"Buyer"}


def test_a_profile_change_takes_a_lead_out(manager_maria):
    hans = person("Hans", country="DE")
    audience = saved(IN_GERMANY, manager_maria)
    assert members(audience) == {"Hans"}

    lead_update(lead=hans, fields={"country": "AT"}, phone=None, by=manager_maria)

    assert members(audience) == set()
    assert Audience.objects.get().member_count == 0


def test_a_new_lead_joins_the_audiences_its_profile_matches(manager_maria):
    audience = saved(IN_GERMANY, manager_maria)

    person("Greta", country="DE")

    assert members(audience) == {"Greta"}


def test_withdrawn_email_consent_takes_a_lead_out(manager_maria):
    may_email = {"match": "all", "rules": [{"type": "consent", "consent": "may_email"}]}
    dana = person("Dana", email="dana@example.org", email_consent="confirmed")
    audience = saved(may_email, manager_maria)
    assert members(audience) == {"Dana"}

    consent_withdraw(email="DANA@example.org", source="unsubscribe link")

    assert members(audience) == set()
    dana.refresh_from_db()
    assert dana.email_consent == Lead.EmailConsent.UNSUBSCRIBED


def test_leads_given_to_another_rep_move_between_owner_audiences(manager_maria, rep_alice, rep_bob):
    of_alice = {"match": "all", "rules": [{"type": "owner", "owners": [rep_alice.pk]}]}
    mine = [person(f"Lead{n}", owner=rep_alice) for n in range(3)]
    audience = saved(of_alice, manager_maria)
    assert len(members(audience)) == 3

    leads_reassign(
        leads=Lead.objects.filter(pk__in=[mine[0].pk, mine[1].pk]),
        to_user=rep_bob,
        by=manager_maria,
    )

    assert members(audience) == {"Lead2"}
    assert Audience.objects.get().member_count == 1


def test_time_passing_and_the_periodic_refresh_drift_a_windowed_audience(manager_maria):
    visit(person("Pia"), "/pricing", ago(2))
    visit(person("Ria"), "/pricing", ago(6))
    audience = saved(PRICING_THIS_WEEK, manager_maria)
    assert members(audience) == {"Pia", "Ria"}

    three_days_later = NOW + dt.timedelta(days=3)
    assert members(audience) == {"Pia", "Ria"}  # nothing changes by itself...
    jobs.audiences_refresh(three_days_later.isoformat())  # ...until the periodic task

    assert members(audience) == {"Pia"}
    audience.refresh_from_db()
    assert (audience.member_count, audience.members_refreshed_at) == (1, three_days_later)


def signed_up(lead: Lead, when: dt.datetime) -> None:
    did(lead, Kind.APP_EVENT, when, data={"name": "signed_up"})


def test_app_events_arriving_and_time_passing_move_leads_in_and_out(manager_maria):
    stuck, new = person("Stuck"), person("New")
    signed_up(stuck, ago(4))
    signed_up(new, ago(1))
    audience = saved(NO_PROJECT_YET, manager_maria)
    assert members(audience) == {"Stuck"}

    arrive(stuck, Kind.APP_EVENT, data={"name": "project_created"})  # per-lead update
    assert members(audience) == set()

    three_days_later = NOW + dt.timedelta(days=3)
    assert audiences_refresh_due(now=three_days_later) == [audience.pk]  # the periodic pass
    assert members(audience) == {"New"}
    audience.refresh_from_db()
    assert audience.member_count == 1


def test_another_app_event_leaves_the_members_as_they_are(manager_maria):
    signed_up(person("Stuck"), ago(4))
    audience = saved(NO_PROJECT_YET, manager_maria)

    arrive(Lead.objects.get(), Kind.APP_EVENT, data={"name": "project_viewed"})

    assert members(audience) == {"Stuck"}


def test_the_periodic_task_is_registered_every_15_minutes(db):
    task = next(task for task in periodic.registered() if task.name == "audiences_refresh")
    assert task.job is jobs.audiences_refresh
    assert task.every == dt.timedelta(minutes=15)


def test_the_periodic_pass_recounts_audiences_without_time_windows(manager_maria):
    hans, greta = person("Hans", country="DE"), person("Greta", country="DE")
    windowed = saved(PRICING_THIS_WEEK, manager_maria, name="Windowed")
    german = saved(IN_GERMANY, manager_maria, name="German")
    Lead.objects.filter(pk=hans.pk).delete()  # its membership goes with it

    refreshed = audiences_refresh_due(now=NOW + dt.timedelta(hours=1))

    assert refreshed == [windowed.pk]
    german.refresh_from_db()
    assert (german.member_count, german.members_refreshed_at) == (1, NOW)
    assert members(german) == {greta.first_name}


def test_a_paused_audience_is_left_as_it_is(manager_maria):
    audience = audience_save(
        name="Paused", definition=IN_GERMANY, is_active=False, by=manager_maria
    )
    person("Hans", country="DE")

    assert members(audience) == set()
    assert audiences_refresh_due(now=NOW) == []


def test_merging_two_members_keeps_one_membership(manager_maria):
    primary, duplicate = person("Hans", country="DE"), person("Hannes", country="DE")
    audience = saved(IN_GERMANY, manager_maria)
    assert audience.member_count == 2

    lead_merge(primary=primary, duplicate=duplicate, merged_by=manager_maria)

    assert members(audience) == {"Hans"}
    assert Audience.objects.get().member_count == 1


def test_a_batch_of_leads_costs_a_few_statements_per_audience(
    manager_maria, django_assert_max_num_queries
):
    leads = [person(f"Lead{n}", country="DE" if n % 2 else "US") for n in range(60)]
    german = saved(IN_GERMANY, manager_maria, name="German")
    saved(PRICING_THIS_WEEK, manager_maria, name="Pricing")
    Lead.objects.filter(country="US").update(country="DE")  # no signal: the hook is told

    # The active audiences; then per audience its transaction (savepoint and release
    # here): lock and read the rules, insert, delete, count (and on SQLite, two
    # questions for the rows changed). Not one per lead.
    with django_assert_max_num_queries(1 + 2 * 8):
        audience_members_update(lead_ids=[lead.pk for lead in leads], now=NOW)

    assert Audience.objects.get(pk=german.pk).member_count == 60


def test_a_refresh_after_a_campaign_was_deleted_leaves_the_members(manager_maria):
    expo = expo_2026()
    did(person("Visitor"), Kind.BOOTH_VISIT, ago(3), campaign=expo)
    at_expo = {"match": "all", "rules": [{"type": "attended_event", "campaign": expo.pk}]}
    audience = saved(at_expo, manager_maria)
    assert members(audience) == {"Visitor"}
    expo.delete()

    with pytest.raises(DefinitionError):
        audience_refresh(audience=audience, now=NOW)
    jobs.audience_rebuild(audience.pk)  # the job logs it and leaves the members
    assert members(audience) == {"Visitor"}
