"""Enrolling many leads in a drip by hand: the leads a manager filtered the lead
list down to.

mailings.drips.enrolment_create costs about fifteen statements and 8 ms a lead,
so a few thousand leads would outlast a web request. Here each batch of leads
is three bulk inserts (enrolments, their first touches, their outbox rows) with
the same values enrolment_create gives them (drips.step_touch_fields; a test
holds the two together).
"""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import Lead, User
from followups.models import Touch
from mailings.drips import enrolment_create, step_due, step_touch_fields, variant_for
from mailings.models import Drip, DripStep, Enrolment, OutboxEmail

BATCH = 500


def leads_to_enrol(*, drip: Drip, leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """The leads not in the drip already (an active enrolment)."""
    enrolled = Enrolment.objects.filter(drip=drip, status=Enrolment.Status.ACTIVE)
    return leads.exclude(pk__in=enrolled.values("lead_id"))


@transaction.atomic
def enrolments_create_bulk(
    *, drip: Drip, leads: QuerySet[Lead], by: User, now: dt.datetime | None = None
) -> int:
    """Enrol each of the leads not in the drip yet; returns how many were enrolled.
    All or none, in one transaction."""
    first = drip.steps.prefetch_related("variants").order_by("position").first()
    if first is None:
        return 0
    batch = _Batch(drip=drip, step=first, by=by, now=now or timezone.now())
    # Ids first: the batches write while they read, which a cursor over leads would see.
    ids = list(leads_to_enrol(drip=drip, leads=leads).order_by("pk").values_list("pk", flat=True))
    return sum(batch.enrol(ids[start : start + BATCH]) for start in range(0, len(ids), BATCH))


class _Batch:
    def __init__(self, *, drip: Drip, step: DripStep, by: User, now: dt.datetime):
        self.drip, self.step, self.by, self.now = drip, step, by, now
        self.source = f"Enrolled by hand by {by.display_name}"
        self._due: dict[tuple[str, str], dt.datetime] = {}

    def enrol(self, ids: list[int]) -> int:
        leads = list(Lead.objects.filter(pk__in=ids).select_related("owner").order_by("pk"))
        if connection.features.can_return_rows_from_bulk_insert:
            try:
                with transaction.atomic():
                    return self._insert(leads)
            except IntegrityError:
                pass  # one of them was enrolled meanwhile (by a trigger): one by one, then
        return sum(self._enrol_one(lead) for lead in leads)

    def _enrol_one(self, lead: Lead) -> bool:
        enrolment = enrolment_create(
            drip=self.drip, lead=lead, source=self.source, by=self.by, now=self.now
        )
        return enrolment is not None

    def _insert(self, leads: list[Lead]) -> int:
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                drip=self.drip,
                lead=lead,
                source=self.source[:200],
                enrolled_by=self.by,
                enrolled_at=self.now,
            )
            for lead in leads
        )
        touches = Touch.objects.bulk_create(self._touch(enrolment) for enrolment in enrolments)
        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                enrolment=enrolment,
                step=self.step,
                variant=variant_for(self.step, enrolment.lead),
                lead=enrolment.lead,
                touch=touch,
            )
            for enrolment, touch in zip(enrolments, touches, strict=True)
        )
        return len(enrolments)

    def _touch(self, enrolment: Enrolment) -> Touch:
        fields = step_touch_fields(enrolment, self.step)
        return Touch(**fields, due_at=self._due_for(enrolment))

    def _due_for(self, enrolment: Enrolment) -> dt.datetime:
        # Everyone is enrolled at the same moment: the due time differs only by place
        # (business days count in the lead's zone and country), so once per place.
        lead = enrolment.lead
        place = (lead.time_zone, lead.country)
        if place not in self._due:
            self._due[place] = step_due(self.step, enrolment, self.now)
        return self._due[place]
