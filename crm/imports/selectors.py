from django.db.models import QuerySet
from django.http import Http404

from crm.models import ImportMapping, Interaction, LeadImport, User


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
