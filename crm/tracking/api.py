"""API for website tracking: the site's backend names a visitor after a form
submission (it reads the visitor id from the `_crm_vid` cookie on its own domain).
Mounted on crm's API from CrmConfig.ready."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from crm.api import ERROR_RESPONSES, campaign_for, owner_for, require_permission
from crm.schemas import LeadIn
from crm.tracking import selectors, services

router = Router(tags=["tracking"])

UID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


class IdentifyIn(LeadIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"site": "k3Jd9xQ2mPz7aB1c", "uid": "v9fT2kLq8ZrW4nYc", "email": "mary@example.com"}
            ]
        }
    )

    site: Annotated[str, Field(min_length=1, max_length=32, description="The site's key")]
    uid: Annotated[
        str, Field(pattern=UID_PATTERN, description="The visitor id: the _crm_vid cookie")
    ]


class IdentifyOut(Schema):
    lead_id: int
    created: bool
    joined: int = Field(..., description="Anonymous events that joined the lead's timeline")


@router.post(
    "/track/identify/",
    response={200: IdentifyOut, 201: IdentifyOut, **ERROR_RESPONSES},
    summary="Link a website visitor to a lead",
)
def identify(request: HttpRequest, payload: IdentifyIn):
    """Finds or creates the lead as `POST /leads/` does (201 when created), links the
    visitor to it, and moves the visitor's anonymous history onto its timeline."""
    require_permission(request.user, "crm.add_lead")
    site = selectors.site_for_key(payload.site)
    if site is None:
        raise ValidationError({"site": ["No active site has this key."]})
    identified = services.visitor_identify_by_contact(
        site=site,
        uid=payload.uid,
        email=payload.email,
        phone=payload.phone,
        defaults=payload.profile(),
        owner=owner_for(request.user, payload.owner_id),
        source_campaign=campaign_for(payload.campaign_id),
        by=request.user,
    )
    body = {
        "lead_id": identified.lead.pk,
        "created": identified.created,
        "joined": identified.joined,
    }
    return Status(201 if identified.created else 200, body)
