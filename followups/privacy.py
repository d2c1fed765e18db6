"""followups' part of a personal data request (crm.privacy.registry): the
person's touches, cadence enrolments and the call outcomes kept for undo.

Erasing ends their enrolments and cancels their open touches through this
app's services (what mailings prepared for them stops with the enrolments),
then blanks the words the touches carry."""

from collections.abc import Mapping

from crm.models import Lead
from crm.privacy.selectors import rows
from crm.privacy.subject import Subject
from followups.cadences.models import AdRun, Enrolment
from followups.cadences.services import enrolments_end
from followups.models import OutcomeUndo, Touch
from followups.services import touches_cancel_open

MODELS = ("followups.Touch", "followups.Enrolment", "followups.OutcomeUndo", "followups.AdRun")
ERASED = "Personal data erased"


def followups_export(*, lead: Lead) -> Mapping[str, list[dict]]:
    touches = Touch.objects.filter(lead=lead).order_by("due_at", "pk")
    return {
        "touches": rows(touches),
        "cadence_enrolments": rows(
            Enrolment.objects.filter(lead=lead).order_by("enrolled_at", "pk")
        ),
        "call_outcomes_kept_for_undo": rows(OutcomeUndo.objects.filter(touch__in=touches)),
        # Ads steps: which ad audience they were put on, until when, when taken off.
        "ads_shown": rows(AdRun.objects.filter(lead=lead).order_by("until", "pk")),
    }


def followups_erase(*, subject: Subject) -> dict[str, int]:
    lead_id = subject.lead_id
    ended = enrolments_end(enrolments=Enrolment.objects.filter(lead_id=lead_id), reason=ERASED)
    cancelled = touches_cancel_open(touch_ids=Touch.objects.filter(lead_id=lead_id), outcome=ERASED)
    return {
        "Cadence enrolments ended": ended,
        "Open touches cancelled": cancelled,
        "Touches blanked": touches_blank(lead_id=lead_id),
        "Call outcomes kept for undo deleted": OutcomeUndo.objects.filter(
            touch__lead_id=lead_id
        ).delete()[0],
    }


def touches_blank(*, lead_id: int) -> int:
    """The words a lead's touches carry (why, what to say, why it waits) may name
    the person; the status, times and channel stay for the counts."""
    return Touch.objects.filter(lead_id=lead_id).update(
        reason=ERASED, talking_points="", held_reason=""
    )
