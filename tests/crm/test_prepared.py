"""crm.prepared: a queryset compiled once, run with the values of the moment. On
SQLite here and on PostgreSQL in CI (datetimes reach the two as different
parameters)."""

import datetime as dt

import pytest
from django.db.models import signals

from crm.models import Interaction, Lead
from crm.prepared import Moment, Number, Prepared
from tests.factories import InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
LEAD, NOW_SLOT = Number("lead", -271_828), Moment("now")


def visits_in_the_last_days(days: int) -> Prepared:
    since = NOW_SLOT.stand_in - dt.timedelta(days=days)
    visits = Interaction.objects.filter(lead_id=LEAD.stand_in, occurred_at__gte=since)
    return Prepared(visits.select_related("lead").order_by("occurred_at"), (LEAD, NOW_SLOT))


def test_a_run_binds_its_values_into_the_slots(rep_alice):
    lead, other = LeadFactory(owner=rep_alice), LeadFactory()
    times = [NOW - dt.timedelta(days=days) for days in (1, 6, 8)]
    for when in times:
        InteractionFactory(lead=lead, occurred_at=when)
    InteractionFactory(lead=other, occurred_at=NOW)
    statement = visits_in_the_last_days(7)

    found = statement.instances(lead=lead.pk, now=NOW)

    assert [visit.occurred_at for visit in found] == [times[1], times[0]]  # aware datetimes
    assert found[0].lead == lead and found[0].lead.owner_id == rep_alice.pk  # select_related
    # The window moves with "now": two days later the six-day-old visit is eight days old.
    later = statement.instances(lead=lead.pk, now=NOW + dt.timedelta(days=2))
    assert [visit.occurred_at for visit in later] == [times[0]]
    assert [v.lead_id for v in statement.instances(lead=other.pk, now=NOW)] == [other.pk]


def test_the_instances_are_what_the_orm_gives(rep_alice):
    for name in ("Ann", "Bo", "Cy"):
        LeadFactory(first_name=name, owner=rep_alice, last_activity_at=NOW)
    leads = Lead.objects.select_related("owner").only("first_name", "owner__username")
    statement = Prepared(leads.order_by("-id"), ())

    prepared, orm = statement.instances(), list(leads.order_by("-id"))

    assert [(x.pk, x.first_name, x.owner.username) for x in prepared] == [
        (x.pk, x.first_name, x.owner.username) for x in orm
    ]
    assert prepared[0].get_deferred_fields() == orm[0].get_deferred_fields()
    assert not prepared[0]._state.adding


def test_the_instances_behave_as_the_orms(rep_alice, django_assert_num_queries):
    LeadFactory(first_name="Ann", last_name="Old", owner=rep_alice)
    statement = Prepared(Lead.objects.select_related("owner").only("first_name", "owner"), ())

    (lead,) = statement.instances()

    with django_assert_num_queries(0):
        assert lead.owner.username == "alice"  # select_related, cached both ways
    assert lead._state.db == "default" and lead._state.fields_cache["owner"] is lead.owner
    with django_assert_num_queries(1):
        assert lead.last_name == "Old"  # a deferred field loads on use
    lead.first_name = "Anna"
    lead.save(update_fields=["first_name"])
    assert Lead.objects.get().first_name == "Anna"
    assert lead == Lead.objects.get() and hash(lead) == hash(Lead.objects.get())


def test_models_with_init_receivers_are_made_by_from_db():
    LeadFactory(first_name="Ann")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.first_name)

    signals.post_init.connect(receiver, sender=Lead)
    try:
        statement = Prepared(Lead.objects.only("first_name"), ())
        assert [lead.first_name for lead in statement.instances()] == ["Ann"]
    finally:
        signals.post_init.disconnect(receiver, sender=Lead)
    assert seen == ["Ann"]


def test_a_count_stops_after_its_cap():
    for _ in range(5):
        LeadFactory(country="DE")
    statement = Prepared.count(Lead.objects.filter(country="DE"), (), cap=3)

    assert statement.value() == 4  # cap + 1: "more than 3"
    assert Prepared.count(Lead.objects.filter(country="FR"), (), cap=3).value() == 0


def test_a_slot_the_query_does_not_use_is_refused():
    with pytest.raises(ValueError, match="lead"):
        Prepared(Lead.objects.all(), (LEAD,))
    assert Prepared(Lead.objects.all(), (LEAD,), all_used=False).instances(lead=1) == []


def test_only_the_stand_in_moved_by_whole_days_is_a_moment():
    absolute = dt.datetime(2000, 1, 1, 0, 0, tzinfo=dt.UTC)  # midnight: a campaign's start
    hours_off = NOW_SLOT.stand_in - dt.timedelta(hours=5)
    leads = Lead.objects.filter(created_at__gte=absolute, updated_at__gte=hours_off)

    with pytest.raises(ValueError, match="now"):
        Prepared(leads, (NOW_SLOT,))
