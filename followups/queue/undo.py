"""Taking back a call's outcome, for a few seconds after its rep logged it.

Logging reads first what the outcome may change for the lead (its touches and
enrolments, which of them exist, its call fields: followups.queue.services, crm) and
keeps it in an OutcomeUndo row. Undo puts it all back in one transaction: the
touches and enrolments made since are deleted (the next call, a retry, a move
to another cadence, an enrolment a trigger made), those changed are written
back as they were (the call claimed again by its rep, the cadence on its step,
exits reversed), the lead's fields restored, and the call's interaction
withdrawn (crm.services.interaction_withdraw). It is refused when something
else happened since: a touch made or changed since was worked (sent, done,
claimed), or the call was logged again.

Deleting what the outcome planned, rather than cancelling it, matters: a step's
touch key names its attempt, and logging the call again must plan it anew."""

import datetime as dt
import json
from dataclasses import dataclass

from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from crm.models import Interaction, User
from crm.services import interaction_withdraw, lead_call_fields, lead_call_fields_restore
from followups.cadences.models import Enrolment
from followups.cadences.services import enrolments_delete, enrolments_restore
from followups.models import OutcomeUndo, Touch
from followups.services import touches_delete, touches_restore

UNDO_SHOWN = dt.timedelta(seconds=10)  # what the rep is offered
UNDO_GRACE = dt.timedelta(seconds=15)  # what the server takes: the click's way there
WORKED = (Touch.Status.DONE, Touch.Status.CLAIMED)


@dataclass(frozen=True)
class Undone:
    touch: Touch
    outcome: str
    again: bool = False  # undone already (a second click): nothing more was done


def outcome_before(*, touch: Touch) -> dict:
    """What the call's outcome may change for its lead, read before logging it."""
    touches = list(Touch.objects.filter(lead_id=touch.lead_id))
    enrolments = list(Enrolment.objects.filter(lead_id=touch.lead_id))
    return {
        "lead": lead_call_fields(lead_id=touch.lead_id),
        "touch_ids": [row.pk for row in touches],
        "touches": _rows(row for row in touches if row.status in Touch.OPEN),
        "enrolment_ids": [row.pk for row in enrolments],
        "enrolments": _rows(row for row in enrolments if row.is_open),
    }


def outcome_undo_record(
    *, touch: Touch, interaction: Interaction, user: User, before: dict
) -> OutcomeUndo:
    """Keep what undoing needs; the rep's earlier ones go (only the last is undone)."""
    OutcomeUndo.objects.filter(logged_by=user).delete()
    return OutcomeUndo.objects.create(
        touch=touch,
        interaction_id=interaction.pk,
        outcome=interaction.outcome,
        logged_by=user,
        logged_at=interaction.occurred_at,
        before=before,
    )


def undo_offered(*, user: User, now: dt.datetime | None = None) -> OutcomeUndo | None:
    """The user's last outcome while its undo is offered (UNDO_SHOWN), or None:
    each rep keeps one (outcome_undo_record)."""
    since = (now or timezone.now()) - UNDO_SHOWN
    return (
        OutcomeUndo.objects.select_related("touch__lead")
        .filter(logged_by=user, undone_at__isnull=True, logged_at__gte=since)
        .first()
    )


@transaction.atomic
def outcome_undo(*, pk: int, user: User, now: dt.datetime | None = None) -> Undone:
    """Take the outcome back (see the module's docstring). ValidationError, saying
    why, when it may not be; a second undo of the same outcome does nothing."""
    now = now or timezone.now()
    undo = OutcomeUndo.objects.select_for_update().filter(pk=pk, logged_by=user).first()
    if undo is None:
        raise ValidationError("There is no outcome of yours to undo.")
    touch = Touch.objects.select_for_update().select_related("lead").get(pk=undo.touch_id)
    if undo.undone_at is not None:
        return Undone(touch, undo.outcome, again=True)
    _check(undo, touch, now)
    before = undo.before
    lead_id = touch.lead_id
    made = Touch.objects.filter(lead_id=lead_id).exclude(pk__in=before["touch_ids"])
    touches_delete(touch_ids=made.values_list("pk", flat=True))
    new_enrolments = Enrolment.objects.filter(lead_id=lead_id).exclude(
        pk__in=before["enrolment_ids"]
    )
    enrolments_delete(enrolment_ids=new_enrolments.values_list("pk", flat=True))
    interaction_withdraw(interaction_id=undo.interaction_id, reason="Call outcome undone")
    enrolments_restore(enrolments=_objects(before["enrolments"]))
    touches_restore(touches=_with_fresh_claim(_objects(before["touches"]), touch.pk, now))
    lead_call_fields_restore(lead_id=lead_id, fields=before["lead"], by=user)
    OutcomeUndo.objects.filter(pk=undo.pk).update(undone_at=now)
    touch.refresh_from_db()
    return Undone(touch, undo.outcome)


def _check(undo: OutcomeUndo, touch: Touch, now: dt.datetime) -> None:
    if now - undo.logged_at > UNDO_GRACE:
        raise ValidationError("Too late to undo: an outcome can be undone for 10 seconds.")
    if touch.status != Touch.Status.DONE or touch.outcome != undo.outcome:
        raise ValidationError("This call has changed since it was logged: it cannot be undone.")
    if not Interaction.objects.filter(pk=undo.interaction_id).exists():
        raise ValidationError("This call's record is gone: it cannot be undone.")
    if worked := _worked_since(undo, touch):
        raise ValidationError(
            f"Cannot undo: {worked} since. Log what happened on the lead's page instead."
        )


def _worked_since(undo: OutcomeUndo, touch: Touch) -> str:
    """What was worked among the touches the outcome made or changed ("" if none)."""
    before = {row["pk"]: row["fields"] for row in undo.before["touches"]}
    lead_touches = Touch.objects.filter(lead_id=touch.lead_id).exclude(pk=touch.pk)
    for other in lead_touches.filter(status__in=WORKED):
        was = before.get(other.pk)
        new = other.pk not in undo.before["touch_ids"]
        changed = was is not None and (was["status"], was["claimed_at"]) != (
            other.status,
            _iso(other.claimed_at),
        )
        if new or changed:
            what = other.get_channel_display().lower()
            return f"the {what} it planned was {'done' if other.status == 'done' else 'taken up'}"
    return ""


def _iso(moment: dt.datetime | None):
    return json.loads(json.dumps(moment, cls=DjangoJSONEncoder))


def _with_fresh_claim(touches: list, call_id: int, now: dt.datetime) -> list:
    """The call goes back to its rep's card, claimed now (else the claim timeout,
    counted from when it was first claimed, might give it away at once)."""
    for touch in touches:
        if touch.pk == call_id:
            touch.claimed_at = now
    return touches


def _rows(queryset) -> list[dict]:
    """Rows as JSON keeps them: Django's serializer, datetimes as ISO text."""
    return json.loads(json.dumps(serializers.serialize("python", queryset), cls=DjangoJSONEncoder))


def _objects(rows: list[dict]) -> list:
    return [found.object for found in serializers.deserialize("python", rows)]
