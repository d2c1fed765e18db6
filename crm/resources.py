"""The Django admin's lead import and export, through django-import-export.

Export writes the columns, headings and safe cells of the lead list's export.
Import sends every row through lead_find_or_create, like every other way in.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from import_export import resources
from import_export.results import RowResult

from crm import services
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.exports import LEAD_EXPORT_COLUMNS, export_value, unneutralise
from crm.models import LEAD_PROFILE_FIELDS, Lead, User

# The columns an import reads; the others (ID, stage, owner, dates, ...) are ignored.
IMPORTED_FIELDS = frozenset(
    (
        "email",
        "phone",
        "phone_ext",
        *LEAD_PROFILE_FIELDS,
        "email_consent",
        "do_not_call",
        "do_not_mail",
    )
)


class LeadResource(resources.ModelResource):
    """Leads in the columns of crm.exports.

    An imported row is matched by email (any case), then by E.164 phone, never by
    its ID; a match only gets its empty fields filled. Opt-outs in the file (do not
    call/mail, email consent "unsubscribed") are added, consent is never granted.
    """

    class Meta:
        model = Lead
        fields = tuple(LEAD_EXPORT_COLUMNS)
        export_order = tuple(LEAD_EXPORT_COLUMNS)
        # The preview (a dry run) writes through the service, then rolls back.
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name, field in self.fields.items():
            field.column_name = LEAD_EXPORT_COLUMNS[name]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("owner", "source_campaign")

    def export_field(self, field, instance, **kwargs):
        return export_value(field.get_value(instance))

    def get_import_fields(self):
        return [field for name, field in self.fields.items() if name in IMPORTED_FIELDS]

    def import_row(self, row, instance_loader, **kwargs):
        """One row through lead_find_or_create instead of import-export's plain save;
        errors are reported on the row as import-export reports its own."""
        row_result = self.get_row_result_class()()
        try:
            found, before = self._import(row, dry_run=kwargs["dry_run"], by=kwargs.get("user"))
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = exc
        except Exception as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            error = self.get_error_result_class()(exc, row=row, number=kwargs["row_number"])
            row_result.errors.append(error)
        else:
            self._report(row_result, found, before, preview=kwargs["dry_run"])
        return row_result

    def after_import(self, dataset, result, **kwargs):
        """One audit entry for the import (what it changed on each lead it matched is
        that lead's own, from lead_find_or_create). And leave the id sequence alone:
        ModelResource resets it to the highest id after an import, which only
        imported ids need (never here) and which races with leads being added
        meanwhile."""
        if kwargs["dry_run"]:
            return
        totals = result.totals
        audit_record(
            action=AuditEntry.Action.IMPORTED,
            by=kwargs.get("user"),
            data={
                "rows": len(dataset),
                "created": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
                "invalid": totals[RowResult.IMPORT_TYPE_INVALID],
            },
            note=f"admin import of {kwargs.get('file_name') or 'a file'}",
        )

    def _import(
        self, row: dict[str, Any], *, dry_run: bool, by: User | None
    ) -> tuple[services.FoundLead, Lead | None]:
        arguments = self._service_arguments(row)
        before = self._lead_before(arguments, by=by) if dry_run else None
        return _find_or_create(arguments, by=by), before

    def _lead_before(self, arguments: dict[str, Any], *, by: User | None) -> Lead | None:
        """The lead the row will update, as it is now, for the preview's diff. The
        service is asked in a savepoint rolled back at once, so the matching rules
        stay in one place."""
        with transaction.atomic():
            found = _find_or_create(arguments, by=by)
            transaction.set_rollback(True)
        return None if found.created else Lead.objects.get(pk=found.lead.pk)

    def _service_arguments(self, row: dict[str, Any]) -> dict[str, Any]:
        phone, extension = self._cell(row, "phone"), self._cell(row, "phone_ext")
        if isinstance(phone, str) and phone.strip() and extension:
            phone = f"{phone} ext. {extension}"
        unsubscribed = str(self._cell(row, "email_consent") or "").strip().lower()
        return {
            "email": str(self._cell(row, "email") or ""),
            "phone": phone,
            "defaults": {name: self._cell(row, name) for name in LEAD_PROFILE_FIELDS},
            "opt_outs": services.OptOuts(
                call=self._flag(row, "do_not_call"),
                mail=self._flag(row, "do_not_mail"),
                email=unsubscribed == Lead.EmailConsent.UNSUBSCRIBED,
            ),
        }

    def _cell(self, row: dict[str, Any], name: str) -> Any:
        """The file's value for a field as it was before our export neutralised it;
        None when the file has no such column."""
        return unneutralise(row.get(self.fields[name].column_name))

    def _flag(self, row: dict[str, Any], name: str) -> bool:
        return bool(self.fields[name].widget.clean(self._cell(row, name)))

    def _report(
        self,
        row_result: RowResult,
        found: services.FoundLead,
        before: Lead | None,
        *,
        preview: bool,
    ) -> None:
        created = found.created
        row_result.import_type = (
            RowResult.IMPORT_TYPE_NEW if created else RowResult.IMPORT_TYPE_UPDATE
        )
        row_result.add_instance_info(found.lead)
        row_result.instance = found.lead  # the admin logs the change against it
        if preview:
            diff = self.get_diff_class()(self, before or Lead(), created)
            diff.compare_with(self, found.lead)
            row_result.diff = diff.as_html()


def _find_or_create(arguments: dict[str, Any], *, by: User | None) -> services.FoundLead:
    try:
        return services.lead_find_or_create(**arguments, by=by)
    except services.LeadOfAnotherRep as exc:
        raise ValidationError(str(exc)) from exc
