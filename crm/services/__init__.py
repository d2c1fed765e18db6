"""Writes and side effects for leads and interactions, one module a purpose:

- leads: find-or-create (the one way in for a person) and profile edits;
- interactions: recording what happened, one or many, and taking one back;
- stages: how interactions move a lead along its stages;
- lead_fields: what other apps change on a lead (owner, address flag, call fields, consent);
- contact_points: a lead's other emails and phones;
- merging: folding a duplicate lead into another.

The public names are re-exported here, as most callers import them from crm.services."""

from crm.services.contact_points import (
    OTHER_CONTACTS_BATCH,
    contact_point_make_main,
    contact_point_remove,
    lead_other_contacts_refresh,
)
from crm.services.interactions import (
    Happened,
    interaction_data_clean,
    interaction_record,
    interaction_withdraw,
    interactions_record,
    interactions_record_many,
)
from crm.services.lead_fields import (
    CALL_FIELDS,
    EMAIL_CONSENT_FIELDS,
    lead_address_undeliverable_set,
    lead_call_fields,
    lead_call_fields_restore,
    lead_calls_pause,
    lead_do_not_call_set,
    lead_email_consent_set,
    lead_owner_claim,
    lead_phone_invalid_set,
    leads_owner_claim,
    leads_owner_set,
)
from crm.services.leads import (
    FOUND_AGAIN,
    FoundLead,
    LeadOfAnotherRep,
    OptOuts,
    contact_clean,
    lead_find_or_create,
    lead_update,
)
from crm.services.merging import (
    EMAIL_CONSENT_STRICTNESS,
    MERGE_FILL_FIELDS,
    PHONE_FIELDS,
    lead_merge,
)
from crm.services.stages import (
    STAGE_PROGRESS,
    lead_progress_stage,
    lead_stage_advance,
    leads_progress_stage,
)

__all__ = [
    "CALL_FIELDS",
    "EMAIL_CONSENT_FIELDS",
    "EMAIL_CONSENT_STRICTNESS",
    "FOUND_AGAIN",
    "MERGE_FILL_FIELDS",
    "OTHER_CONTACTS_BATCH",
    "PHONE_FIELDS",
    "STAGE_PROGRESS",
    "FoundLead",
    "Happened",
    "LeadOfAnotherRep",
    "OptOuts",
    "contact_clean",
    "contact_point_make_main",
    "contact_point_remove",
    "interaction_data_clean",
    "interaction_record",
    "interaction_withdraw",
    "interactions_record",
    "interactions_record_many",
    "lead_address_undeliverable_set",
    "lead_call_fields",
    "lead_call_fields_restore",
    "lead_calls_pause",
    "lead_do_not_call_set",
    "lead_email_consent_set",
    "lead_find_or_create",
    "lead_merge",
    "lead_other_contacts_refresh",
    "lead_owner_claim",
    "lead_phone_invalid_set",
    "lead_progress_stage",
    "lead_stage_advance",
    "lead_update",
    "leads_owner_claim",
    "leads_owner_set",
    "leads_progress_stage",
]
