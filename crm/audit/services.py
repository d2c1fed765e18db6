"""Writing the audit trail. The services that change leads, import lists, approve
print runs and change cadences call these in their own transaction, so an entry
exists exactly when what it records happened."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models
from django.utils import timezone

from crm.arrays import rows_insert
from crm.audit.models import AuditEntry
from crm.models import ADDRESS_FIELDS, Lead, User

Action = AuditEntry.Action
SYSTEM = "system"  # the actor when no person did it (a job, a webhook, a link clicked)
REDACTED = "[erased]"
BATCH = 1000  # entries per INSERT

# What the trail follows on a lead. The contact fields are the person's data:
# an erasure redacts their values (audit_history_redact).
LEAD_CONTACT_FIELDS = (
    "name_prefix",
    "first_name",
    "last_name",
    "name_suffix",
    "email",
    "phone",
    "phone_ext",
    "company",
    "title",
    *ADDRESS_FIELDS,
)
LEAD_CONSENT_FIELDS = ("email_consent", "do_not_call", "do_not_mail")
LEAD_AUDITED_FIELDS = ("owner", "stage", *LEAD_CONSENT_FIELDS, *LEAD_CONTACT_FIELDS)
# A lead's other emails and phones (ContactPoint), named by kind in the changes.
OTHER_CONTACT_FIELDS = ("other_email", "other_phone")
PERSONAL_FIELDS = (*LEAD_CONTACT_FIELDS, *OTHER_CONTACT_FIELDS)


def audit_entry(
    *,
    action: str,
    by: User | None = None,
    system: str = SYSTEM,
    lead_id: int | None = None,
    subject: models.Model | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """An entry, not yet saved (audit_record saves one, audit_record_many many).
    `by` is the person acting; without one, `system` names what did it. `subject`
    is what the action was about besides a lead (an import, a print run, a
    cadence). Changes and data must hold JSON values; data no personal data."""
    return AuditEntry(
        action=action,
        actor=by,
        actor_name=by.get_username() if by else system[:150],
        lead_id=lead_id,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        subject_label=str(subject)[:200] if subject is not None else "",
        changes=dict(changes or {}),
        data=dict(data or {}),
        note=note[:200],
    )


def audit_record(**fields: Any) -> AuditEntry:
    """Save one entry; takes audit_entry's arguments."""
    entry = audit_entry(**fields)
    entry.save()
    return entry


AUDIT_COLUMNS = (
    "at", "actor_id", "actor_name", "action", "lead_id", "subject_type", "subject_id",
    "subject_label", "changes", "data", "note",
)  # fmt: skip


def audit_record_many(entries: Iterable[AuditEntry]) -> None:
    """Save entries built by audit_entry, in one statement (crm.arrays)."""
    rows = [tuple(getattr(entry, name) for name in AUDIT_COLUMNS) for entry in entries]
    rows_insert(AuditEntry, AUDIT_COLUMNS, rows)


def lead_audit_values(lead: Lead) -> dict[str, Any]:
    """The lead's audited fields as they are on the instance (owner as its id)."""
    return {
        name: getattr(lead, "owner_id" if name == "owner" else name) for name in LEAD_AUDITED_FIELDS
    }


def leads_stored_audit_values(lead_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The leads' audited fields as the database has them, by lead id (one query)."""
    columns = ["owner_id" if name == "owner" else name for name in LEAD_AUDITED_FIELDS]
    rows = Lead.objects.filter(pk__in=list(lead_ids)).values_list("pk", *columns)
    return {pk: dict(zip(LEAD_AUDITED_FIELDS, values, strict=True)) for pk, *values in rows}


def lead_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field -> [from, to] for the audited fields that differ; owners by name."""
    changes = {
        name: [before[name], after[name]]
        for name in LEAD_AUDITED_FIELDS
        if name in before and name in after and before[name] != after[name]
    }
    if "owner" in changes:
        changes["owner"] = _owner_names(changes["owner"])
    return changes


def _owner_names(ids: list[int | None]) -> list[str | None]:
    users = User.objects.in_bulk([pk for pk in ids if pk is not None])
    return [users[pk].get_username() if pk in users else None for pk in ids]


def audit_lead_changes(
    *,
    lead_id: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    by: User | None = None,
    system: str = SYSTEM,
    note: str = "",
) -> AuditEntry | None:
    """Record what changed between two readings of a lead's audited fields
    (lead_audit_values, leads_stored_audit_values); nothing when nothing did."""
    changes = lead_changes(before, after)
    if not changes:
        return None
    return audit_record(
        action=Action.CHANGED, by=by, system=system, lead_id=lead_id, changes=changes, note=note
    )


def audit_leads_owner_changed(
    *,
    owners_before: Mapping[int, int | None],
    owner_id: int,
    by: User | None,
    system: str = SYSTEM,
    note: str = "",
) -> None:
    """One entry per lead given to the owner `owner_id` (lead id -> its owner's id
    before), a batch per INSERT: a reassignment of thousands of leads is a few
    statements."""
    ids = {*owners_before.values(), owner_id}
    names = dict(zip(ids, _owner_names(list(ids)), strict=True))
    audit_record_many(
        audit_entry(
            action=Action.CHANGED,
            by=by,
            system=system,
            lead_id=lead_id,
            changes={"owner": [names[old], names[owner_id]]},
            note=note,
        )
        for lead_id, old in owners_before.items()
        if old != owner_id
    )


def audit_leads_owner_given(*, owners: Mapping[int, User], note: str = "") -> None:
    """One entry per lead that had no owner and is given one (lead id -> the person),
    by the system: the entries audit_leads_owner_changed writes for them, without
    a model object, nor a JSON document encoded, a lead. On PostgreSQL one
    INSERT … SELECT FROM unnest() of the leads' and people's ids, each entry's
    change built in SQL with the person's name from the users' table; elsewhere
    rows_insert of the same values."""
    if not owners:
        return
    at = timezone.now()
    if connection.vendor != "postgresql":
        changes = {user.pk: {"owner": [None, user.get_username()]} for user in owners.values()}
        rows_insert(
            AuditEntry,
            AUDIT_COLUMNS,
            [
                (
                    at,
                    None,
                    SYSTEM,
                    Action.CHANGED,
                    pk,
                    "",
                    None,
                    "",
                    changes[user.pk],
                    {},
                    note[:200],
                )
                for pk, user in owners.items()
            ],
        )
        return
    q = connection.ops.quote_name
    name = q(User._meta.get_field(User.USERNAME_FIELD).column)
    sql = (
        f"INSERT INTO {q(AuditEntry._meta.db_table)} ({', '.join(q(c) for c in AUDIT_COLUMNS)}) "
        f"SELECT %s, NULL, %s, %s, u.lead_id, '', NULL, '', "
        f"jsonb_build_object('owner', jsonb_build_array(NULL, person.{name})), '{{}}'::jsonb, %s "
        "FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS u (lead_id, owner_id, n) "
        f"JOIN {q(User._meta.db_table)} AS person ON person.{q('id')} = u.owner_id ORDER BY u.n"
    )
    lead_ids = "{" + ",".join(map(str, owners)) + "}"  # joined in C, not dumped one by one
    owner_ids = "{" + ",".join(str(user.pk) for user in owners.values()) + "}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, SYSTEM, Action.CHANGED, note[:200], lead_ids, owner_ids])


def audit_history_redact(lead_id: int) -> int:
    """Replace the values of the person's data (PERSONAL_FIELDS) in every entry
    about this lead with REDACTED, keeping who did what, when, to which field; and
    the notes, which may quote others (a consent change's method can be what a
    mail server answered, address and all). For an erasure; returns how many
    entries changed."""
    entries = list(AuditEntry.objects.filter(lead_id=lead_id).only("pk", "changes", "note"))
    redacted = [entry for entry in entries if _redact(entry)]
    AuditEntry.objects.bulk_update(redacted, ["changes", "note"], batch_size=BATCH)
    return len(redacted)


def _redact(entry: AuditEntry) -> bool:
    changed = entry.note not in ("", REDACTED)
    entry.note = REDACTED if entry.note else ""
    for name, values in entry.changes.items():
        if name in PERSONAL_FIELDS:
            erased = [REDACTED if value not in (None, "") else value for value in values]
            changed |= erased != values
            entry.changes[name] = erased
    return changed


def lead_history_privacy_erase(*, subject: Any) -> dict[str, int]:
    """The audit trail's part of an erasure (crm.privacy.registry; `subject` is a
    crm.privacy.subject.Subject): the lead's history redacted. crm.privacy's
    lead_erase records the erasure itself afterwards (audit_record, ERASED)."""
    return {"Audit entries redacted": audit_history_redact(subject.lead_id)}
