"""Reading the audit trail: a lead's history for its page."""

from django.db.models import Q, QuerySet

from crm.audit.models import AuditEntry
from crm.models import Interaction, Lead, LeadImport, User

HISTORY_SHOWN = 20  # the lead page's compact History; the admin has them all
IMPORT_SUBJECT = LeadImport._meta.label_lower


def lead_history(lead: Lead) -> QuerySet[AuditEntry]:
    """What was done to the lead, newest first: its own entries, and those of the
    imports that brought or updated it (one entry per import, found through the
    booth visits the import recorded on it)."""
    imports = Interaction.objects.filter(lead=lead, lead_import__isnull=False).values(
        "lead_import_id"
    )
    of_its_imports = Q(subject_type=IMPORT_SUBJECT, subject_id__in=imports, lead__isnull=True)
    return (
        AuditEntry.objects.filter(Q(lead=lead) | of_its_imports)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def lead_history_section(lead: Lead, user: User) -> dict:
    """The lead page's History (a crm.sections context). Whoever may open the lead
    sees it, read-only: managers any lead's, a rep their own leads'."""
    entries = list(lead_history(lead)[: HISTORY_SHOWN + 1])
    return {"entries": entries[:HISTORY_SHOWN], "more": len(entries) > HISTORY_SHOWN}


def lead_history_export(lead_id: int) -> list[dict]:
    """The entries about the lead as data, oldest first: its part of the person's
    own data when they ask for it (GDPR Art. 15)."""
    entries = AuditEntry.objects.filter(lead_id=lead_id).order_by("at", "id")
    return list(entries.values("at", "actor_name", "action", "changes", "data", "note"))


def lead_history_privacy_export(*, lead: Lead) -> dict[str, list[dict]]:
    """The audit trail's part of a person's data (crm.privacy.registry)."""
    return {"audit_history": lead_history_export(lead.pk)}
