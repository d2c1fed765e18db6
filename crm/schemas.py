"""The JSON API's request and response bodies (crm.api): pydantic models, so one
declaration gives validation, the OpenAPI document and typed handlers. A
request body (Input) refuses unknown fields and NUL characters."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from crm.models import LEAD_PROFILE_FIELDS, Interaction
from crm.outcomes import OUTCOMES, outcome_error

Short = Annotated[str, Field(max_length=200)]
InteractionKind = Literal[tuple(Interaction.Kind.values)]  # type: ignore[valid-type]
Sentiment = Literal["", "positive", "neutral", "negative"]
OUTCOME_CODES = "A code of the kind's outcomes, or empty; other kinds have none. " + "; ".join(
    f"{kind}: {', '.join(outcomes.values)}" for kind, outcomes in OUTCOMES.items()
)


class Input(Schema):
    """A request body: unknown fields are errors, and so are NUL characters, which
    PostgreSQL cannot store (Django's form fields refuse them the same way)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def no_nul_characters(cls, value: Any) -> Any:
        if _contains_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class LeadIn(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "mary@example.com", "first_name": "Mary"}]}
    )

    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=64)] = ""
    name_prefix: Annotated[str, Field(max_length=50, description="Dr., Prof., Ms, Herr, …")] = ""
    first_name: Annotated[str, Field(max_length=100)] = ""
    last_name: Annotated[str, Field(max_length=100)] = ""
    name_suffix: Annotated[str, Field(max_length=50, description="Jr., III, PhD, …")] = ""
    company: Short = ""
    title: Short = ""
    address_line1: Short = ""
    address_line2: Short = ""
    city: Annotated[str, Field(max_length=100)] = ""
    region: Annotated[str, Field(max_length=100)] = ""
    postal_code: Annotated[str, Field(max_length=20)] = ""
    country: Annotated[str, Field(max_length=60, description="ISO code or name")] = ""
    time_zone: Annotated[str, Field(max_length=64)] = ""
    campaign_id: int | None = Field(None, description="The campaign the person came from")
    owner_id: int | None = Field(None, description="Managers only: the rep who owns the lead")

    def profile(self) -> dict[str, Any]:
        return self.model_dump(include=set(LEAD_PROFILE_FIELDS), exclude_defaults=True)


class LeadOut(Schema):
    id: int
    name_prefix: str
    first_name: str
    last_name: str
    name_suffix: str
    email: str
    phone: str
    phone_ext: str
    company: str
    title: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    time_zone: str
    stage: str
    score: int
    owner_id: int | None
    source_campaign_id: int | None
    email_consent: str
    do_not_call: bool
    do_not_mail: bool
    created_at: datetime
    last_activity_at: datetime


class LeadFound(Schema):
    id: int
    created: bool
    lead: LeadOut


class InteractionIn(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "mary@example.com",
                    "kind": "app_event",
                    "data": {"name": "project_created"},
                    "external_id": "evt-1001",
                }
            ]
        }
    )

    lead_id: int | None = Field(None, description="The lead; or give email/phone instead")
    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=64)] = ""
    kind: InteractionKind
    occurred_at: datetime | None = Field(None, description="Defaults to now; never in the future")
    campaign_id: int | None = None
    outcome: Annotated[str, Field(max_length=100, description=OUTCOME_CODES)] = ""
    sentiment: Sentiment = ""
    notes: Annotated[str, Field(max_length=10_000)] = ""
    data: dict[str, Any] = Field(default_factory=dict)
    source: Annotated[str, Field(max_length=50)] = "api"
    external_id: Annotated[
        str, Field(max_length=200, description="Your id; a retry with it records nothing new")
    ] = ""

    @field_validator("occurred_at")
    @classmethod
    def not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        if value > timezone.now() + timedelta(minutes=5):
            raise ValueError("must not be in the future")
        return value

    @field_validator("outcome")
    @classmethod
    def outcome_of_the_kind(cls, value: str, info: ValidationInfo) -> str:
        """Checked here, before a lead is found or created for the interaction."""
        kind = info.data.get("kind")  # absent when the kind itself is invalid
        if kind and (problem := outcome_error(kind, value)):
            raise PydanticCustomError("outcome", problem)
        return value


class InteractionOut(Schema):
    id: int
    lead_id: int
    kind: str
    occurred_at: datetime
    outcome: str = Field(description="The outcome's code (older free text as it was)")
    outcome_label: str = Field(description="The outcome as people read it")
    created: bool
