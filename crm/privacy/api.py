"""API for personal data requests (GDPR Art. 15 and 17), for managers' tokens:
a rep's token gets 404 for another rep's lead, as everywhere in the API, and
403 for their own. Mounted on crm's API from CrmConfig.ready."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from crm import selectors
from crm.api import ERROR_RESPONSES
from crm.models import Lead
from crm.privacy import services
from crm.privacy.selectors import lead_personal_data

router = Router(tags=["personal data"])


class ErasureOut(Schema):
    lead_id: int
    erased_at: datetime
    counts: dict[str, int]


def _lead_for_manager(request: HttpRequest, lead_id: int) -> Lead:
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    if not request.auth.is_manager:
        raise HttpError(403, "Personal data requests are for managers' tokens.")
    return lead


@router.get(
    "/leads/{lead_id}/personal-data",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="Everything stored about a person (GDPR Art. 15)",
)
def lead_personal_data_get(request: HttpRequest, lead_id: int):
    return lead_personal_data(_lead_for_manager(request, lead_id))


@router.post(
    "/leads/{lead_id}/erase",
    response={200: ErasureOut, **ERROR_RESPONSES},
    summary="Erase a person's data (GDPR Art. 17); their address stays suppressed",
)
def lead_erase(request: HttpRequest, lead_id: int):
    erasure = services.lead_erase(lead=_lead_for_manager(request, lead_id), by=request.auth)
    return erasure
