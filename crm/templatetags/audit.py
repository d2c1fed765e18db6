"""An audit entry in words: `{% audit_sentence entry %}` is "alice changed stage
from New to Qualified" (the template adds when, in the viewer's zone)."""

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import pluralize

from crm.audit.models import AuditEntry
from crm.audit.services import LEAD_AUDITED_FIELDS, OTHER_CONTACT_FIELDS, REDACTED
from crm.models import Lead

register = template.Library()
Action = AuditEntry.Action
EMPTY = "(empty)"
# The order changes are told in: a lead's fields, then a cadence's.
ORDER = (
    *LEAD_AUDITED_FIELDS,
    *OTHER_CONTACT_FIELDS,
    *("name", "is_active", "audience", "assign", "reps", "triggers", "steps", "policies"),
)


@register.simple_tag
def audit_sentence(entry: AuditEntry) -> str:
    """Autoescaped by the template: plain text only."""
    actor = entry.actor.display_name if entry.actor else entry.actor_name
    return f"{actor} {_what(entry)}"


def _what(entry: AuditEntry) -> str:
    changes = changes_in_words(entry.changes)
    data = entry.data
    if entry.action == Action.CHANGED:
        said = f"changed {changes}"
    elif entry.action == Action.MERGED:
        said = f"merged lead #{data.get('duplicate_id')} into this lead"
        said += f", which changed {changes}" if changes else ""
    elif entry.action == Action.IMPORTED:
        created = data.get("created", 0)
        said = (
            f"imported {entry.subject_label or 'a list'}: {created} lead{pluralize(created)} "
            f"created, {data.get('updated', 0)} updated"
        )
    elif entry.action == Action.IMPORT_UNDONE:
        said = f"undid the import {entry.subject_label}"
    elif entry.action == Action.ERASED:
        said = "erased this person's data"
    elif entry.action == Action.PRINT_RUN_APPROVED:
        said = f"approved the print run {entry.subject_label} ({data.get('letters', 0)} letters)"
    else:  # Action.CADENCE_CHANGED
        said = f"changed the cadence {entry.subject_label}: {changes}"
    return f"{said} ({entry.note})" if entry.note else said


def changes_in_words(changes: dict[str, list[Any]]) -> str:
    """ "stage from New to Qualified, city from “Rome” to “Milan”", in the order of
    the form (PostgreSQL's jsonb keeps no order)."""
    return ", ".join(
        f"{_label(name)} from {_value(name, old)} to {_value(name, new)}"
        for name, (old, new) in sorted(changes.items(), key=_place)
    )


def _place(change: tuple[str, Any]) -> tuple[int, str]:
    name = change[0]
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def _label(name: str) -> str:
    try:
        return str(Lead._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _value(name: str, value: Any) -> str:
    if value in (None, "", []):
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if value == REDACTED or not isinstance(value, str):
        return str(value)
    try:
        choices = dict(Lead._meta.get_field(name).flatchoices)
    except FieldDoesNotExist:
        choices = {}
    if value in choices:
        return str(choices[value])
    return value if name == "owner" else f"“{value}”"
