import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Lead
from crm.privacy.models import Erasure
from tests.crm.privacy.people import EMAIL, OTHER_EMAIL


def export(*args) -> dict:
    out = StringIO()
    call_command("lead_export", *args, stdout=out)
    return json.loads(out.getvalue())


def test_lead_export_by_id_prints_the_json(world):
    data = export(str(world.lead.pk))

    assert data["lead_id"] == world.lead.pk
    assert data["lead"][0]["email"] == EMAIL


@pytest.mark.parametrize("address", [EMAIL.upper(), OTHER_EMAIL])
def test_lead_export_finds_the_lead_by_any_of_its_addresses(world, address):
    assert export(address)["lead_id"] == world.lead.pk


def test_lead_export_writes_to_a_file(world, tmp_path):
    target = tmp_path / "out.json"

    call_command("lead_export", str(world.lead.pk), "--output", str(target), stderr=StringIO())

    assert json.loads(target.read_text(encoding="utf-8"))["lead_id"] == world.lead.pk


def test_lead_export_of_an_unknown_lead_is_an_error(db):
    with pytest.raises(CommandError, match="No lead"):
        call_command("lead_export", "nobody@example.org")


def test_lead_erase_with_yes_erases_and_says_what(world, manager_maria):
    out = StringIO()

    call_command("lead_erase", str(world.lead.pk), "--yes", "--by", "maria", stdout=out)

    assert Lead.objects.get(pk=world.lead.pk).email == ""
    assert Erasure.objects.get().erased_by == manager_maria
    assert "Interactions blanked: 2" in out.getvalue()


def test_lead_erase_asks_first_and_erases_on_the_word(world, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda question: "erase")

    call_command("lead_erase", str(world.lead.pk), stdout=StringIO())

    assert Erasure.objects.filter(lead_id=world.lead.pk).exists()


@pytest.mark.parametrize("answer", ["", "y", "no"])
def test_lead_erase_changes_nothing_without_the_word(world, monkeypatch, answer):
    monkeypatch.setattr("builtins.input", lambda question: answer)

    with pytest.raises(CommandError, match="Nothing was erased"):
        call_command("lead_erase", str(world.lead.pk))

    assert Lead.objects.get(pk=world.lead.pk).email == EMAIL
    assert not Erasure.objects.exists()


def test_lead_erase_of_an_unknown_lead_is_an_error(db):
    with pytest.raises(CommandError, match="No lead #404"):
        call_command("lead_erase", "404", "--yes")
