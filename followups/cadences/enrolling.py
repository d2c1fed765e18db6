"""What triggers enrol after a batch of interactions (an import's booth visits),
each with its own source and moment: enrolments_create_for_interactions plans
each enrolment's first touch in memory (followups.cadences.planning) and writes
the enrolments and touches with one INSERT … SELECT FROM unnest() each
(crm.arrays). Left over, planned one by one as a single enrolment is: a call to
a lead who has an open call already (folded into it), and a touch the unique
index turned away (planned meanwhile).

In the set-based paths a model's id is read as .id, not .pk (a property, a call
each: these loops meet it a few hundred thousand times an import).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from crm.arrays import rows_insert
from crm.models import Interaction, Lead, User
from followups.cadences import progress
from followups.cadences.models import Cadence, Enrolment
from followups.cadences.planning import Plan, Wanted, plans_make
from followups.cadences.services import enrolment_create
from followups.models import Touch


@transaction.atomic
def enrolments_create_for_interactions(
    *,
    wanted: Sequence[Wanted],
    sources: Mapping[int, str],
    enrolled_at: Mapping[int, dt.datetime],
) -> int:
    """Enrol each interaction's lead in its cadence, as enrolment_create does for
    one: once per interaction (a job run twice enrols nobody twice), not while the
    lead is in the cadence; and plan the first step (a call the lead may not get
    is skipped, and the next step planned, as progress.go_to does). `wanted` is in
    the order one by one meets them (interaction by interaction, each one's
    cadences by name); `sources` and `enrolled_at` are by interaction id. Returns
    how many were enrolled. All or none."""
    cadences = {w.cadence.id: w.cadence for w in wanted}
    steps = {pk: list(cadence.steps.order_by("position")) for pk, cadence in cadences.items()}
    todo = _not_enrolled_yet([w for w in wanted if steps[w.cadence.id]])
    _owners_known([w.interaction.lead for w in todo])
    plans, alone = plans_make(todo, steps, enrolled_at)
    made = _write_enrolments(plans, sources, enrolled_at)
    _write_touches(plans, made, enrolled_at)
    for cadence, interaction in alone:
        enrolment_create(
            cadence=cadence,
            lead=interaction.lead,
            source=sources[interaction.id],
            interaction=interaction,
            now=enrolled_at[interaction.id],
        )
    return len(made) + len(alone)


def _not_enrolled_yet(wanted: list[Wanted]) -> list[Wanted]:
    """Those that enrolled their lead already (a job run twice) and those whose
    lead is in the cadence now are passed over: two queries a cadence."""
    passed_over = set()
    for cadence_id in {w.cadence.id for w in wanted}:
        those = [w.interaction for w in wanted if w.cadence.id == cadence_id]
        done = Enrolment.objects.filter(
            cadence_id=cadence_id, interaction_id__any=[i.id for i in those]
        ).values_list("interaction_id", flat=True)
        busy = set(
            Enrolment.objects.filter(
                cadence_id=cadence_id,
                status__in=Enrolment.OPEN,
                lead_id__any={i.lead_id for i in those},
            ).values_list("lead_id", flat=True)
        )
        passed_over |= {(cadence_id, pk) for pk in done}
        passed_over |= {(cadence_id, i.id) for i in those if i.lead_id in busy}
    return [w for w in wanted if (w.cadence.id, w.interaction.id) not in passed_over]


def _owners_known(leads: Sequence[Lead]) -> None:
    """Each lead's owner, read in one query rather than one a lead."""
    owners = User.objects.in_bulk({lead.owner_id for lead in leads} - {None})
    for lead in leads:
        if lead.owner_id is not None:
            lead.owner = owners[lead.owner_id]


ENROLMENT_COLUMNS = (
    "cadence_id", "lead_id", "status", "step_id", "attempt", "source", "interaction_id",
    "enrolled_by_id", "enrolled_at", "ended_at", "exit_reason",
)  # fmt: skip
TOUCH_COLUMNS = (
    "lead_id", "channel", "due_at", "status", "reason", "reason_at", "talking_points",
    "priority", "assigned_to_id", "origin", "attempt", "key", "outcome", "held_reason",
    "completed_at", "created_at", "enrolment_id", "step_id", "interaction_id",
)  # fmt: skip
ENROLMENT_WRITTEN = ("id", "cadence_id", "interaction_id")


class Enrolled(NamedTuple):
    """An enrolment written here, with what planning its touches reads
    (progress.step_touch_fields reads these of an Enrolment): a tuple, not a model
    object a row. model() gives the Enrolment, for the few planned one by one."""

    pk: int
    cadence: Cadence
    lead: Lead
    interaction: Interaction
    source: str
    enrolled_at: dt.datetime
    row: tuple  # ENROLMENT_COLUMNS' values

    def model(self) -> Enrolment:
        enrolment = Enrolment(pk=self.pk, **dict(zip(ENROLMENT_COLUMNS, self.row, strict=True)))
        enrolment.cadence, enrolment.lead = self.cadence, self.lead
        enrolment.interaction = self.interaction
        return enrolment


def _write_enrolments(plans: list[Plan], sources, enrolled_at) -> dict[tuple, Enrolled]:
    """INSERT the enrolments (one statement), each on the step it stops at (or
    finished); those written, by (cadence id, interaction id). One that another
    job enrolled meanwhile is passed over by the unique index, and gets no touch
    here."""
    unwritten: dict[tuple, Enrolled] = {}  # each with pk 0 until written
    for plan in plans:
        interaction, last = plan.interaction, plan.touches[-1]
        at, source = enrolled_at[interaction.id], sources[interaction.id][:200]
        status = Enrolment.Status.FINISHED if plan.finished else Enrolment.Status.ACTIVE
        row = (
            plan.cadence.id, interaction.lead.id, status, last.step.id, last.attempt, source,
            interaction.id, None, at, at if plan.finished else None, plan.finished,
        )  # fmt: skip
        unwritten[(plan.cadence.id, interaction.id)] = Enrolled(
            0, plan.cadence, interaction.lead, interaction, source, at, row
        )
    rows = [enrolled.row for enrolled in unwritten.values()]
    written = rows_insert(Enrolment, ENROLMENT_COLUMNS, rows, returning=ENROLMENT_WRITTEN)
    if connection.vendor != "postgresql":  # read back what was written
        written = Enrolment.objects.filter(
            cadence_id__in={plan.cadence.id for plan in plans},
            interaction_id__any={plan.interaction.id for plan in plans},
        ).values_list(*ENROLMENT_WRITTEN)
    made = {}
    for pk, cadence_id, interaction_id in written:
        if (enrolled := unwritten.get((cadence_id, interaction_id))) is not None:
            made[(cadence_id, interaction_id)] = enrolled._replace(pk=pk)
    return made


def _write_touches(plans: list[Plan], made: dict[tuple, Enrolled], enrolled_at) -> None:
    """INSERT the touches (one statement); a planned one the unique index turned
    away (an open call planned meanwhile) is planned one by one."""
    now = timezone.now()
    rows, planned = [], {}
    for plan in plans:
        enrolment = made.get((plan.cadence.id, plan.interaction.id))
        for step, attempt, due_at, skipped, person in plan.touches if enrolment else ():
            fields = progress.step_touch_fields(enrolment, step, attempt, assigned_to=person)
            status = Touch.Status.SKIPPED if skipped else Touch.Status.PENDING
            person = fields["assigned_to"]
            rows.append(
                (
                    fields["lead"].id, fields["channel"], due_at, status, fields["reason"],
                    fields["reason_at"], fields["talking_points"], fields["priority"],
                    person.id if person else None, fields["origin"], fields["attempt"],
                    fields["key"], skipped[:100], "", now if skipped else None, now,
                    enrolment.pk, step.id, fields["interaction"].id,
                )
            )  # fmt: skip
            if not skipped:
                planned[fields["key"]] = (enrolment, step)
    rows_insert(Touch, TOUCH_COLUMNS, rows)
    written = set(Touch.objects.filter(key__any=list(planned)).values_list("key", flat=True))
    for key, (enrolment, step) in planned.items():
        if key not in written:
            at = enrolled_at[enrolment.interaction.id]
            progress.go_to(enrolment.model(), step, after=at, now=at)
