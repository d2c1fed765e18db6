"""The engine's ways of running one list give the same rows: cleaning in a child
process or on a thread ahead of the writes, or in the writing process, and many
small batches (what earlier batches met is read back from the import's temporary
table) or one batch holding the whole list."""

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path

import pytest
from django.db import transaction

from crm.imports import engine, services
from crm.imports.services import lead_import_file
from crm.models import ContactPoint, Interaction, Lead
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db(transaction=False)

HEADER = (
    "Email,Other Email,Full Name,Company,Job Title,Cell Phone,Work Phone,Country,Notes,Rating,"
    "Scan Date"
)
# Columns that differ from run to run (ids, the clock at import time), or that
# name another table's row by id: leads are named by their email and phone instead.
# (score_computed_at: when the follow-up job scored the lead.)
UNSTABLE = {
    "id",
    "created_at",
    "updated_at",
    "referral_code",
    "lead_import_id",
    "score_computed_at",
}


def known_people() -> list[Lead]:
    """Leads the list meets again: some with blanks to fill, one already at this
    event, one engaged elsewhere, one known by another address only."""
    people = [
        LeadFactory(email=f"known{n}@example.org", phone=f"+1212555{n:04d}", title="")
        for n in range(40)
    ]
    people += [LeadFactory(email="", phone=f"+4420794{n:05d}", company="") for n in range(10)]
    ContactPoint.objects.create(
        lead=people[0], kind=ContactPoint.Kind.EMAIL, value="old.address@example.org"
    )
    InteractionFactory(lead=people[1], kind=Interaction.Kind.WEB_VISIT)
    return people


def booth_list(people: list[Lead], campaign, rng: random.Random) -> str:
    InteractionFactory(lead=people[2], kind=Interaction.Kind.BOOTH_VISIT, campaign=campaign)
    rows = []
    for lead in people:
        email = lead.email.upper() if lead.email and rng.random() < 0.5 else lead.email
        national = lead.phone.replace("+1212", "(212) ").replace("+44", "0")
        country = "" if lead.email else "GB"
        rows.append(
            [email, "", "Known Person", "Other Co", "Buyer", national, "", country, "", "warm", ""]
        )
    rows.append(["OLD.ADDRESS@example.org", "", "", "", "", "", "", "US", "", "", ""])
    for n in range(120):
        phone = f"+1415555{n:04d}" if n % 3 else ""
        second = f"second{n}@booth.example" if n % 7 == 0 else ""
        rows.append(
            [
                f"visitor{n}@booth.example" if n % 5 else "",
                second,
                f"Dr. Visitor {n} Person",
                f"Company {n % 9}",
                "",
                phone if n % 5 else f"+1415555{n:04d}",
                f"+1415556{n:04d}" if n % 4 == 0 else "",
                rng.choice(["US", "USA", "Atlantis", ""]),
                rng.choice(["Met at the booth", "", "Wants a demo"]),
                rng.choice(["hot", "warm", ""]),
                rng.choice(["", "2026-03-04 10:15", "2026-03-05 16:40", "not a date"]),
            ]
        )
    rows += [rng.choice(rows[50:]).copy() for _ in range(60)]  # scanned again, later on
    for row in rows[-60::6]:
        row[8], row[10] = "Came back", "2026-03-05 09:00"
    rows += [["n/a", "", "Nobody", "", "", "tbc", "", "", "", "", ""] for _ in range(5)]
    rng.shuffle(rows)
    return "\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n"


def digest() -> dict:
    """Every lead, booth visit and other contact, without ids or import-time clocks."""
    who = {lead.pk: (lead.email, lead.phone) for lead in Lead.objects.all()}

    def rows(queryset):
        found = []
        for values in queryset.values():
            lead = who.get(values.pop("lead_id", None))
            kept = {key: value for key, value in values.items() if key not in UNSTABLE}
            # JSON objects are equal whatever their keys' order.
            found.append(json.dumps([kept, lead], sort_keys=True, default=str))
        return sorted(found)

    return {
        "leads": rows(Lead.objects.all()),
        "visits": rows(Interaction.objects.all()),
        "points": rows(ContactPoint.objects.all()),
    }


def run(path: Path, campaign, monkeypatch, *, batch_rows: int, clean_in: str):
    """Import the list, read what it wrote, and undo it all."""
    monkeypatch.setattr(engine, "BATCH_ROWS", batch_rows)
    real = engine.import_booth_rows

    def import_booth_rows(rows, spec, **options):
        return real(rows, spec, clean_in=clean_in, **options)

    monkeypatch.setattr(services, "import_booth_rows", import_booth_rows)
    with transaction.atomic():
        result = lead_import_file(path=str(path), campaign=campaign)
        written = digest()
        transaction.set_rollback(True)
    outcome = dataclasses.asdict(result)
    for row in outcome["conflict_rows"]:
        row.pop("lead")  # an id, of a lead the run may have created
    return outcome, written


def test_batched_and_threaded_runs_write_the_same_rows_as_one_batch_run(tmp_path, monkeypatch):
    campaign = CampaignFactory(name="Expo 2026", kind="event", starts_on=dt.date(2026, 3, 4))
    people = known_people()
    path = tmp_path / "booth.csv"
    path.write_text(booth_list(people, campaign, random.Random(5)), encoding="utf-8")

    whole, whole_rows = run(path, campaign, monkeypatch, batch_rows=10_000, clean_in="here")
    batched, batched_rows = run(path, campaign, monkeypatch, batch_rows=7, clean_in="thread")
    aside, aside_rows = run(path, campaign, monkeypatch, batch_rows=7, clean_in="process")

    assert whole["rows"] == 236 and whole["duplicates"] > 50 and whole["invalid"] >= 5
    assert whole["created"] > 100 and whole["updated"] == 50 and whole["contact_points"] > 20
    assert batched == whole
    assert batched_rows == whole_rows
    assert aside == whole
    assert aside_rows == whole_rows
    visits = [row for row in whole_rows["visits"] if '"scans"' in row]
    assert visits, "the list names some people on several rows"


def test_an_error_reading_ahead_is_raised_in_the_import(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the cleaning thread failed")

    monkeypatch.setattr(engine, "clean_row", broken)
    path = tmp_path / "booth.csv"
    path.write_text("Email\nann@example.org\n", encoding="utf-8")
    campaign = CampaignFactory(name="Expo 2026", kind="event")

    with pytest.raises(RuntimeError, match="cleaning thread"):
        lead_import_file(path=str(path), campaign=campaign, dry_run=True)
    assert not Lead.objects.exists()


def test_new_leads_get_the_time_zone_their_own_fields_give(tmp_path):
    """A new lead's zone is worked out with the row's cleaning, from the row alone:
    it must be the one Lead.fill_time_zone derives from the lead's phone and place."""
    campaign = CampaignFactory(name="Expo 2026", kind="event", starts_on=dt.date(2026, 3, 4))
    path = tmp_path / "booth.csv"
    path.write_text(booth_list(known_people(), campaign, random.Random(5)), encoding="utf-8")
    before = set(Lead.objects.values_list("pk", flat=True))

    lead_import_file(path=str(path), campaign=campaign)

    created = Lead.objects.exclude(pk__in=before)
    assert created.count() > 100
    assert {lead.time_zone for lead in created} >= {"America/Los_Angeles"}
    for lead in created:
        zone = lead.time_zone
        lead.time_zone = ""
        lead.fill_time_zone()
        assert zone == lead.time_zone, lead.email
