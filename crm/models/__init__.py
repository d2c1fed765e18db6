"""crm's models: people and what happened to them, a module a domain. Models that
live beside their code (imports, API tokens, audiences, the audit trail, …) are
imported here too, so Django loads them with the app and callers may write
`from crm.models import Lead` for any of them."""

from crm.models.users import User  # noqa: I001 (in dependency order)
from crm.models.leads import (
    ADDRESS_FIELDS,
    LEAD_PROFILE_FIELDS,
    Campaign,
    ContactPoint,
    Lead,
    LeadMerge,
)
from crm.models.interactions import Interaction
from crm.models.periodic import PeriodicRun
from crm.api_tokens.models import ApiToken
from crm.imports.models import SHOWN_WARNINGS, ImportMapping, LeadImport
from crm.audiences.models import Audience, AudienceMember
from crm.audit.models import AuditEntry
from crm.privacy.models import Erasure
from crm.retargeting.models import (
    AdAudienceMember,
    AdConnection,
    AdSyncLog,
    AudienceAdLink,
)
from crm.scoring.models import ScoringRule
from crm.tracking.models import Cart, Site, Visitor, WebEvent

__all__ = [
    "ADDRESS_FIELDS",
    "LEAD_PROFILE_FIELDS",
    "SHOWN_WARNINGS",
    "AdAudienceMember",
    "AdConnection",
    "AdSyncLog",
    "ApiToken",
    "Audience",
    "AudienceAdLink",
    "AudienceMember",
    "AuditEntry",
    "Campaign",
    "Cart",
    "ContactPoint",
    "Erasure",
    "ImportMapping",
    "Interaction",
    "Lead",
    "LeadImport",
    "LeadMerge",
    "PeriodicRun",
    "ScoringRule",
    "Site",
    "User",
    "Visitor",
    "WebEvent",
]
