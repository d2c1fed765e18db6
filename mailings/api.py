"""API for consent: a website's sign-up form (through its backend) or another
system starts the double opt-in for a lead. Mounted on crm's API from
MailingsConfig.ready, so crm stays unaware of mailings."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, IPvAnyAddress

from crm import selectors
from crm.api import ERROR_RESPONSES
from mailings.consent.services import consent_request
from mailings.email.transactional import send_consent_confirmation

router = Router(tags=["consent"])


class ConsentRequestIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"source": "pricing page form", "ip_address": "203.0.113.7"}]
        },
    )

    source: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        ..., description="Where the person asked, e.g. 'pricing page form'"
    )
    ip_address: IPvAnyAddress | None = Field(None, description="The person's IP address")


class ConsentRequestOut(Schema):
    sent: bool
    email_consent: str
    detail: str


@router.post(
    "/leads/{lead_id}/consent-requests/",
    response={202: ConsentRequestOut, 200: ConsentRequestOut, **ERROR_RESPONSES},
    summary="Ask a lead to confirm email consent (double opt-in)",
)
def consent_request_create(request: HttpRequest, lead_id: int, payload: ConsentRequestIn):
    """Sends the confirmation email (202), or says why not (200): no address, on the
    suppression list, or confirmed already."""
    lead = selectors.get_lead_for_user(request.user, lead_id)
    ip = str(payload.ip_address) if payload.ip_address else None
    if not consent_request(lead=lead, source=payload.source, ip_address=ip):
        detail = "Not sent: no address, unsubscribed, or confirmed already."
        return Status(200, {"sent": False, "email_consent": lead.email_consent, "detail": detail})
    send_consent_confirmation(lead)
    body = {"sent": True, "email_consent": lead.email_consent, "detail": "Confirmation sent."}
    return Status(202, body)
