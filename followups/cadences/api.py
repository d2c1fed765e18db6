"""API for cadences: list them (integrators need their ids), and enrol a lead
found by id, email or phone. Mounted on crm's API from FollowupsConfig.ready.

POST /api/cadences/{id}/enrolments/ answers 201 with the new enrolment, or 200
with the lead's enrolment in that cadence now when they are in it already (a
retry enrols nobody twice); 404 for an unknown cadence or a lead the token's
user may not see; 400 with field errors for no or several ways to find the
lead, or an email or phone that cannot be one; 409 for a cadence without steps.
"""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from crm.api import ERROR_RESPONSES, ErrorOut, require_permission
from crm.models import Lead, User
from crm.selectors import get_lead_by_contact_for_user, get_lead_for_user
from followups.cadences import selectors, services
from followups.cadences.models import Cadence, Enrolment

router = Router(tags=["cadences"])


class CadenceOut(Schema):
    id: int
    name: str
    is_active: bool


class EnrolmentIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "mary@example.com"}]}
    )

    lead_id: int | None = Field(None, description="The lead; or give email or phone instead")
    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=64, description="E.164, or national")] = ""


class StepOut(Schema):
    position: int
    channel: str


class EnrolmentOut(Schema):
    id: int
    cadence_id: int
    cadence: str
    lead_id: int
    status: str
    step: StepOut | None
    next_due_at: datetime | None
    created: bool


@router.get(
    "/cadences/", response={200: list[CadenceOut], **ERROR_RESPONSES}, summary="Every cadence"
)
def cadence_list(request: HttpRequest):
    """Their ids, names and whether each is switched on (only then do its triggers
    and audience enrol people; a person or this API may enrol in any)."""
    return Cadence.objects.order_by("name", "pk")


@router.post(
    "/cadences/{cadence_id}/enrolments/",
    response={200: EnrolmentOut, 201: EnrolmentOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="Enrol a lead in a cadence",
)
def enrolment_create(request: HttpRequest, cadence_id: int, payload: EnrolmentIn):
    """Give exactly one of `lead_id`, `email` or `phone`. 201: enrolled, the first
    step planned. 200: the lead is in this cadence already (that enrolment)."""
    require_permission(request.user, "crm.change_lead")
    cadence = Cadence.objects.filter(pk=cadence_id).first()
    if cadence is None:
        raise Http404("No such cadence.")
    lead = _lead(request.user, payload)
    enrolment = services.enrolment_create(
        cadence=cadence, lead=lead, source=f"API ({request.user.display_name})", by=request.user
    )
    if enrolment is not None:
        return Status(201, _out(selectors.enrolments_shown().get(pk=enrolment.pk), created=True))
    found = selectors.open_enrolment(cadence, lead)
    if found is None:  # no step to start on (else they were in it: the unique index)
        raise HttpError(409, f"{cadence.name} has no steps yet: nobody can be enrolled.")
    return Status(200, _out(found, created=False))


def _lead(user: User, payload: EnrolmentIn) -> Lead:
    given = [
        name for name in ("lead_id", "email", "phone") if getattr(payload, name) not in (None, "")
    ]
    if len(given) != 1:
        why = "Give one of lead_id, email or phone." if not given else "Give only one of them."
        raise ValidationError({name: [why] for name in given or ["lead_id"]})
    if payload.lead_id is not None:
        return get_lead_for_user(user, payload.lead_id)
    return get_lead_by_contact_for_user(user, email=payload.email, phone=payload.phone)


def _out(enrolment: Enrolment, *, created: bool) -> dict:
    step = enrolment.step
    return {
        "id": enrolment.pk,
        "cadence_id": enrolment.cadence_id,
        "cadence": enrolment.cadence.name,
        "lead_id": enrolment.lead_id,
        "status": enrolment.status,
        "step": {"position": step.position, "channel": step.channel} if step else None,
        "next_due_at": enrolment.next_due_at,
        "created": created,
    }
