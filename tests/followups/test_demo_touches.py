import datetime as dt
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count

from crm.models import Lead
from crm.roles import Role
from followups.demo import demo_touches_seed
from followups.models import Channel, Touch

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
CALL_STAGES = {Lead.Stage.NEW, Lead.Stage.WORKING, Lead.Stage.QUALIFIED}

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_leads():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", leads=400, reps=3, seed=5, stdout=StringIO())
        yield


def seed_touches(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo_touches", *args, stdout=out)
    return out.getvalue()


def may_be_called(lead: Lead) -> bool:
    return lead.can_call and lead.stage in CALL_STAGES and lead.calls_paused_until is None


def test_every_callable_lead_gets_one_open_call_from_its_owner(demo_leads):
    output = seed_touches()

    calls = Touch.objects.filter(channel=Channel.CALL).select_related("lead", "assigned_to")
    callable_leads = [lead for lead in Lead.objects.all() if may_be_called(lead)]
    assert "Planned" in output
    assert calls.count() == len(callable_leads) > 100
    assert {call.lead for call in calls} == set(callable_leads)
    for touch in Touch.objects.select_related("lead"):
        assert touch.status == Touch.Status.PENDING
        assert may_be_called(touch.lead)
        assert touch.assigned_to_id == touch.lead.owner_id is not None
    per_lead = Counter(calls.values_list("lead", flat=True))
    assert set(per_lead.values()) == {1}


def test_unowned_leads_are_shared_out_among_the_reps(demo_leads):
    unowned = {lead.pk for lead in Lead.objects.filter(owner=None) if may_be_called(lead)}
    assert unowned

    seed_touches()

    owners = Counter(
        Lead.objects.filter(pk__in=unowned).values_list("owner__groups__name", "owner")
    )
    assert {role for role, _ in owners} == {Role.REP}
    assert len(owners) == 3
    assert max(owners.values()) - min(owners.values()) <= 1


def test_due_times_spread_around_now_with_reasons_and_call_backs(demo_leads):
    seed_touches()

    touches = Touch.objects.all()
    calls = touches.filter(channel=Channel.CALL)
    assert calls.filter(due_at__lt=NOW).exists() and calls.filter(due_at__gt=NOW).exists()
    assert not touches.filter(due_at__lt=NOW - dt.timedelta(days=3)).exists()
    assert not touches.filter(due_at__gt=NOW + dt.timedelta(days=7)).exists()
    assert not touches.filter(reason="").exists()
    call_backs = calls.filter(origin="Call outcome", reason="Asked us to call back then")
    assert call_backs.exists() and not call_backs.filter(due_at__lte=NOW).exists()
    assert not touches.exclude(channel=Channel.CALL).exists()  # emails come from cadences
    assert len(set(calls.values_list("priority", flat=True))) > 1


def test_seeding_touches_is_deterministic_and_bulk(demo_leads, django_assert_max_num_queries):
    # One batch: its reads, an owner update per rep (six statements with its savepoint
    # and audit entries: crm.services.leads_owner_set), one write; none per lead (the
    # cadences' triggers and first steps are read once: two queries).
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(28):
        first = demo_touches_seed(seed=3)
    snapshot = list(Touch.objects.order_by("key").values_list("key", "due_at", "reason"))
    Touch.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        again = demo_touches_seed(seed=3)
    assert (again.calls, again.call_backs) == (first.calls, first.call_backs)
    assert list(Touch.objects.order_by("key").values_list("key", "due_at", "reason")) == snapshot


def test_leads_with_an_open_call_are_left_alone(demo_leads):
    seed_touches()
    Touch.objects.filter(pk__in=Touch.objects.order_by("pk").values("pk")[:10]).delete()

    with time_machine.travel(NOW, tick=False):
        added = demo_touches_seed(seed=9)

    assert added.calls == 10
    assert (
        not Touch.objects.values("lead")
        .annotate(n=Count("pk"))
        .filter(n__gt=1, channel=Channel.CALL)
    )


def test_if_empty_does_nothing_once_there_are_touches(demo_leads):
    seed_touches("--if-empty")
    count = Touch.objects.count()

    assert "no demo touches added" in seed_touches("--if-empty")
    assert Touch.objects.count() == count
    with pytest.raises(CommandError, match="touches already"):
        seed_touches()
