from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from crm.models import ImportMapping, Interaction, Lead, LeadImport, User
from crm.selectors import lead_worked


def imports_visible_to(user: User) -> QuerySet[LeadImport]:
    """Imports are a manager's tool; nobody else sees any."""
    if not (user.is_authenticated and user.is_manager):
        return LeadImport.objects.none()
    return LeadImport.objects.select_related("campaign", "created_by").defer("content")


def get_import_for_user(user: User, pk: int) -> LeadImport:
    try:
        return imports_visible_to(user).get(pk=pk)
    except LeadImport.DoesNotExist:
        raise Http404("No such import.") from None


def leads_from_import(leads: QuerySet[Lead], lead_import: LeadImport) -> QuerySet[Lead]:
    """Those of `leads` with a booth visit recorded by the import: the leads it
    created and those it updated. A semi-join on the visits' lead_import index,
    so it costs the import's size, not the lead table's."""
    visited = Interaction.objects.filter(lead=OuterRef("pk"), lead_import=lead_import)
    return leads.filter(Exists(visited))


@dataclass(frozen=True)
class ImportLeadCounts:
    leads: int  # with a booth visit from the import, new and updated
    not_yet_worked: int  # of those, the ones no one has called or met yet

    @property
    def being_worked(self) -> int:
        return self.leads - self.not_yet_worked


def import_lead_counts(lead_import: LeadImport) -> ImportLeadCounts:
    """What the next steps after an import concern: its leads, and the ones sharing
    them out moves by default. Counted on its visits (the lead list's filter by
    import gives the same leads), which the index on (lead_import, lead) holds:
    the lead table is never read."""
    visits = Interaction.objects.filter(lead_import=lead_import).values("lead").distinct()
    return ImportLeadCounts(
        leads=visits.count(),
        not_yet_worked=visits.filter(~lead_worked(OuterRef("lead"))).count(),
    )


def import_sources() -> list[str]:
    return list(ImportMapping.objects.values_list("source", flat=True))


def engaged_visits(lead_import: LeadImport, *, limit: int = 50) -> list[Interaction]:
    """The booth visits of people who were already engaged before the event."""
    return list(
        Interaction.objects.filter(lead_import=lead_import, data__already_engaged=True)
        .select_related("lead")
        .order_by("lead__last_name", "lead__first_name")[:limit]
    )


def rows_to_check(lead_import: LeadImport) -> list[tuple[int, str, list[str], str]]:
    """(row, imported, cells, reason) for the invalid rows and the listed values to
    check, in the file's order."""
    rows = [(e["row"], "no", e["cells"], e["message"]) for e in lead_import.errors]
    rows += [
        (w["row"], "yes", w.get("cells", []), f"{w['column']}: {w['message']}")
        for w in lead_import.warning_rows
    ]
    return sorted(rows, key=lambda row: row[0])
