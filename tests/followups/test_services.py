"""Touch status services (followups.services): the claimed touches a delivery job
completes in one statement."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from followups.cadences.models import Channel, Enrolment
from followups.cadences.services import enrolment_create
from followups.models import Touch
from followups.services import touches_complete, touches_complete_claimed
from tests.factories import LeadFactory
from tests.followups.cadences.factories import cadence_with
from tests.followups.factories import TouchFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
EMAIL = {"channel": Channel.EMAIL}

pytestmark = pytest.mark.django_db


def first_touch(cadence) -> Touch:
    enrolment = enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")
    return Touch.objects.get(enrolment=enrolment)


def as_before(*, touch_ids, outcome, now) -> set[int]:
    """touches_complete_claimed as it was written before its one UPDATE: the
    claimed ones read (and locked), then touches_complete."""
    claimed = set(
        Touch.objects.select_for_update()
        .filter(pk__in=list(touch_ids), status=Touch.Status.CLAIMED)
        .values_list("pk", flat=True)
    )
    touches_complete(touch_ids=claimed, outcome=outcome, now=now)
    return claimed


def completed_by(complete, touch_ids) -> tuple[set[int], dict, dict]:
    """What `complete` returns, and every touch (by key) and enrolment after it,
    then taken back."""
    touch_columns = [f.attname for f in Touch._meta.concrete_fields if f.name != "id"]
    with transaction.atomic():
        done = complete(touch_ids=touch_ids, outcome="sent", now=NOW)
        touches = {row["key"]: row for row in Touch.objects.values(*touch_columns)}
        enrolments = {row["id"]: row for row in Enrolment.objects.values()}
        transaction.set_rollback(True)
    return done, touches, enrolments


def test_claimed_touches_completed_in_one_statement_leave_the_rows_completing_them_one_by_one_did():
    with time_machine.travel(NOW, tick=False):
        two_steps = cadence_with(EMAIL, {"wait": 24, **EMAIL})
        one_step = cadence_with(EMAIL)
        going_on = [first_touch(two_steps) for _ in range(3)]
        finishing = [first_touch(one_step) for _ in range(2)]
        pending = first_touch(two_steps)
        moved_on = first_touch(two_steps)  # its enrolment is on another attempt already
        Enrolment.objects.filter(pk=moved_on.enrolment_id).update(attempt=2)
        outside = TouchFactory(**EMAIL)  # no cadence's
        claimed = [*going_on, *finishing, moved_on, outside]
        Touch.objects.filter(pk__in=[t.pk for t in claimed]).update(status=Touch.Status.CLAIMED)
        ids = [touch.pk for touch in [*claimed, pending]]

        before = completed_by(as_before, ids)
        now = completed_by(touches_complete_claimed, ids)

    assert now == before
    done, touches, enrolments = now
    assert done == {touch.pk for touch in claimed}
    assert touches[pending.key]["status"] == Touch.Status.PENDING
    assert sum(1 for row in touches.values() if row["step_id"] == two_steps.steps.last().pk) == 3
    statuses = [enrolments[t.enrolment_id]["status"] for t in finishing]
    assert statuses == [Enrolment.Status.FINISHED] * 2
