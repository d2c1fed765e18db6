"""Cadences that follow an audience: whoever joins it is enrolled (those in it
when the cadence is switched on, and whoever joins later), and, where the
cadence says so, leaving the audience ends the enrolment. Set-based, after
each change of the audience's members (crm.audiences.services)."""

from django.db.models import Exists, OuterRef

from crm.audiences.models import AudienceMember
from crm.models import Lead
from followups.cadences.bulk import enrolments_create_bulk
from followups.cadences.models import Cadence, Enrolment
from followups.cadences.services import enrolments_end


def audience_cadences_sync(*, audience_id: int) -> None:
    for cadence in Cadence.objects.filter(audience_id=audience_id, is_active=True):
        cadence_audience_sync(cadence=cadence)


def cadence_audience_sync(*, cadence: Cadence) -> int:
    """Enrol the audience's members who joined since their last enrolment here;
    end the enrolments of those who left, when leaving is an exit. Returns how
    many were enrolled."""
    if cadence.audience_id is None:
        return 0
    members = AudienceMember.objects.filter(audience_id=cadence.audience_id)
    if cadence.exit_on_audience_leave:
        gone = Enrolment.objects.filter(cadence=cadence).exclude(
            Exists(members.filter(lead_id=OuterRef("lead_id")))
        )
        enrolments_end(enrolments=gone, reason=f"Left the audience {cadence.audience}")
    enrolled_since_joining = Enrolment.objects.filter(
        cadence=cadence, lead_id=OuterRef("lead_id"), enrolled_at__gte=OuterRef("joined_at")
    )
    joined = members.exclude(Exists(enrolled_since_joining)).values("lead_id")
    return enrolments_create_bulk(
        cadence=cadence,
        leads=Lead.objects.filter(pk__in=joined),
        source=f"Joined the audience {cadence.audience}",
    )
