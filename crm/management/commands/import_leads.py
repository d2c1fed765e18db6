import json

from django.core.management.base import BaseCommand, CommandError

from crm.contact import country_code
from crm.imports.encodings import ENCODINGS
from crm.imports.files import ImportFileError
from crm.imports.services import campaign_for_event, lead_import_file
from crm.imports.writer import ImportResult

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import a booth list (CSV or XLSX): every row with a usable email or phone becomes "
        "or updates one lead, with a booth visit at the event. Invalid rows are reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or XLSX file.")
        parser.add_argument("--event", required=True, help="The event's campaign name.")
        parser.add_argument("--country", default="", help="The event's country (code or name).")
        parser.add_argument("--source", default="", help="Whose export: reuses its mapping.")
        parser.add_argument(
            "--encoding",
            default="",
            help="A CSV file's text encoding, when the one detected reads it wrong: "
            f"{', '.join(ENCODINGS)} (or another name of one).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check, store nothing.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )

    def handle(self, *args, file, event, country, source, encoding, dry_run, as_json, **options):
        country_iso = country_code(country)
        if country and not country_iso:
            raise CommandError(f"--country {country!r} is not a country.")
        campaign = campaign_for_event(name=event, country=country_iso)
        try:
            result = lead_import_file(
                path=file,
                campaign=campaign,
                source=source,
                default_country=country_iso,
                encoding=encoding,
                dry_run=dry_run,
                progress=self._progress if options["verbosity"] > 1 else None,
            )
        except (ImportFileError, OSError) as exc:
            raise CommandError(f"Could not read {file}: {exc}") from exc
        if as_json:
            self._report_json(result)
        else:
            self._report_text(result, dry_run)

    def _progress(self, rows: int) -> None:
        self.stderr.write(f"{rows:,} rows read")

    def _report_json(self, result: ImportResult) -> None:
        body = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "duplicates": result.duplicates,
            "invalid": result.invalid,
            "engaged": result.engaged,
            "errors": [{"row": p.number, "message": p.message} for p in result.problems],
            "conflicts": result.conflicts,
            "conflict_rows": result.conflict_rows,
            "warnings": result.warnings,
            "warning_rows": [
                {key: value for key, value in warning.items() if key != "cells"}
                for warning in result.warning_rows
            ],
            "contact_points": result.contact_points,
        }
        self.stdout.write(json.dumps(body))

    def _report_text(self, result: ImportResult, dry_run: bool) -> None:
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {result.rows:,} rows: {result.created:,} new leads, "
            f"{result.updated:,} updated, {result.duplicates:,} repeated in the file, "
            f"{result.invalid:,} invalid; {result.engaged:,} already engaged."
        )
        if result.conflicts:
            self.stdout.write(
                f"{result.conflicts:,} rows offered other values for fields the lead had; "
                "the leads kept theirs (--json lists them)."
            )
        if result.warnings:
            self.stdout.write(
                f"{result.warnings:,} values on imported rows could not be used as written "
                "(a phone read two ways, an unusable address, an unknown country):"
            )
            for warning in result.warning_rows[:SHOWN_ERRORS]:
                self.stdout.write(f"  row {warning['row']}: {warning['message']}")
        for problem in result.problems[:SHOWN_ERRORS]:
            self.stdout.write(f"  row {problem.number}: {problem.message}")
        if len(result.problems) > SHOWN_ERRORS:
            self.stdout.write(f"  … and {len(result.problems) - SHOWN_ERRORS:,} more invalid rows")
