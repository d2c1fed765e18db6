"""The JSON API: token auth, OpenAPI schema at /api/openapi.json.

django-ninja because its schemas are pydantic models: one declaration gives
validation, the OpenAPI document and typed handlers, with far less code than
DRF serializers + drf-spectacular. Every error answers with field errors
(ErrorOut, listed for every operation by ERROR_RESPONSES): 400 for bad input,
401 without a valid token, 403 for a token whose user may not do that, 404
for a lead the token's user may not see (also when a rep posts a person who
is another rep's lead), 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, 429
after too many failed tokens from one address (crm.throttling). Bodies are
read by crm.jsonbody.

The request and response bodies are crm.schemas.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer

from crm import selectors, services, throttling
from crm.api_tokens import selectors as token_selectors
from crm.api_tokens import services as token_services
from crm.jsonbody import ApiParser, JsonBodyError
from crm.models import Campaign, Lead, User
from crm.schemas import InteractionIn, InteractionOut, LeadFound, LeadIn, LeadOut


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # An address over the limit is refused before the lookup, right token or not.
        retry_after = throttling.bearer_retry_after(scope="api", request=request)
        if retry_after is not None:
            raise throttling.TooManyFailures(retry_after)
        api_token = token_selectors.api_token_for_secret(token_services.api_token_digest(token))
        if api_token is None:
            throttling.bearer_failure_record(scope="api", request=request)
            return None
        token_services.api_token_mark_used(api_token)
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="Follow-up CRM API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    parser=ApiParser(),
    description="Send leads and interactions from other systems. Authenticate with "
    "`Authorization: Bearer <token>`; managers create tokens under Settings → API tokens "
    "(or with `manage.py api_token_create`). Errors answer "
    '`{"errors": {"field": ["message"]}}`; a 429 says in `Retry-After` when to try again.',
)


class ErrorOut(Schema):
    """What every error answers with, whatever its status."""

    errors: dict[str, list[str]] = Field(
        description="Messages by field: `__all__` for the request as a whole, `body` "
        "for a body that could not be read"
    )


# Every operation's possible refusals, in one place so that the OpenAPI document lists
# each of them with its body: 400 bad input, 401 no valid token, 403 a token whose user
# may not do that, 404 a lead the user may not see, 413 a body over the limit, 429 too
# many failed tokens from one address (with Retry-After).
ERROR_RESPONSES: dict[int, type[Schema]] = dict.fromkeys((400, 401, 403, 404, 413, 429), ErrorOut)


@api.exception_handler(SchemaValidationError)
def schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error["loc"] if part not in ("body", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(error["msg"])
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(DjangoValidationError)
def service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(services.LeadOfAnotherRep)
def lead_of_another_rep(request: HttpRequest, exc: services.LeadOfAnotherRep) -> HttpResponse:
    """A rep who posts another rep's person gets the answer for any lead they may not
    see: saying "another rep's lead" would tell them whose it is. Nothing was created."""
    return not_found(request, Http404())


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own errors (a missing token) in the same shape; an unreadable body
    with the reason ApiParser gave, which ninja wraps."""
    if isinstance(exc.__cause__, JsonBodyError):
        return body_refused(request, exc.__cause__)
    return api.create_response(request, {"errors": {"__all__": [str(exc)]}}, status=exc.status_code)


@api.exception_handler(JsonBodyError)
def body_refused(request: HttpRequest, exc: JsonBodyError) -> HttpResponse:
    return api.create_response(request, {"errors": {"body": [str(exc)]}}, status=exc.status)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """Ninja reads the body before its parser does: Django refuses one over
    DATA_UPLOAD_MAX_MEMORY_SIZE there, from its Content-Length."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The body may be at most {limit} bytes."
    return api.create_response(request, {"errors": {"body": [message]}}, status=413)


@api.exception_handler(throttling.TooManyFailures)
def throttled(request: HttpRequest, exc: throttling.TooManyFailures) -> HttpResponse:
    response = api.create_response(request, {"errors": {"__all__": [str(exc)]}}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"errors": {"__all__": ["Not found."]}}, status=404)


def no_such_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any address under /api/ that names no operation (config/urls.py, after the
    API's own): the API's 404 body, not the site's HTML page."""
    return not_found(request, Http404())


@api.post(
    "/leads/",
    response={200: LeadFound, 201: LeadFound, **ERROR_RESPONSES},
    summary="Find or create a lead",
)
def lead_find_or_create(request: HttpRequest, payload: LeadIn):
    """Matches an existing lead by email (any case), then by phone; fills its empty
    fields and never overwrites. Answers 201 when a new lead was created. A person who
    is a lead the token's user may not see (another rep's) answers 404, as any such
    lead does, and is left unchanged: a manager can look them up and reassign them."""
    require_permission(request.user, "crm.add_lead")
    found = services.lead_find_or_create(
        email=payload.email,
        phone=payload.phone,
        defaults=payload.profile(),
        owner=owner_for(request.user, payload.owner_id),
        source_campaign=campaign_for(payload.campaign_id),
        by=request.user,
    )
    body = {"id": found.lead.pk, "created": found.created, "lead": found.lead}
    return Status(201 if found.created else 200, body)


@api.get("/leads/{lead_id}/", response={200: LeadOut, **ERROR_RESPONSES}, summary="One lead")
def lead_get(request: HttpRequest, lead_id: int):
    return selectors.get_lead_for_user(request.user, lead_id)


@api.post(
    "/interactions/",
    response={200: InteractionOut, 201: InteractionOut, **ERROR_RESPONSES},
    summary="Log an interaction",
)
def interaction_create(request: HttpRequest, payload: InteractionIn):
    """Records something that happened with a lead, from the website, the support
    desk or an app. Give `lead_id`, or `email`/`phone` to find or create the lead.
    An `app_event` (something the lead did in your product) names the event in
    `data.name` (up to 100 characters), e.g. `{"name": "project_created"}`."""
    require_permission(request.user, "crm.add_interaction")
    # Both checked before the lead, which may be created.
    data = services.interaction_data_clean(kind=payload.kind, data=payload.data)
    campaign = campaign_for(payload.campaign_id)
    lead = _interaction_lead(request.user, payload)
    interaction, created = services.interaction_record(
        lead=lead,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        campaign=campaign,
        outcome=payload.outcome,
        sentiment=payload.sentiment,
        notes=payload.notes,
        data=data,
        user=request.user,
        source=payload.source,
        external_id=payload.external_id,
    )
    if interaction.lead_id != lead.pk:
        raise DjangoValidationError({"external_id": ["Already used for another lead."]})
    body = {
        "id": interaction.pk,
        "lead_id": interaction.lead_id,
        "kind": interaction.kind,
        "occurred_at": interaction.occurred_at,
        "outcome": interaction.outcome,
        "outcome_label": interaction.outcome_label,
        "created": created,
    }
    return Status(201 if created else 200, body)


def _interaction_lead(user: User, payload: InteractionIn) -> Lead:
    if payload.lead_id is not None:
        return selectors.get_lead_for_user(user, payload.lead_id)
    if not (payload.email or payload.phone):
        raise DjangoValidationError({"lead_id": ["Give lead_id, or an email or phone."]})
    found = services.lead_find_or_create(
        email=payload.email, phone=payload.phone, owner=owner_for(user, None), by=user
    )
    return found.lead


def owner_for(user: User, owner_id: int | None) -> User | None:
    """This and the next two serve every router's operations (crm.tracking's too)."""
    if owner_id is None:
        return None if user.is_manager else user
    if not user.is_manager:
        raise DjangoValidationError({"owner_id": ["Only managers assign leads."]})
    owner = selectors.reps().filter(pk=owner_id).first()
    if owner is None:
        raise DjangoValidationError({"owner_id": [f"No active rep {owner_id}."]})
    return owner


def require_permission(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        raise HttpError(403, "This token's user may not do that.")


def campaign_for(campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise DjangoValidationError({"campaign_id": [f"No campaign {campaign_id}."]})
    return campaign
