"""An audience's definition written short, and the people it picks, for the tests
of crm.audiences.rules."""

import datetime as dt

import pytest

from crm.audiences.rules.base import DefinitionError
from crm.audiences.rules.checking import definition_clean
from crm.audiences.rules.compiling import audience_leads
from tests.crm.audiences.people import NOW


def rule(type_: str, **params) -> dict:
    return {"type": type_, **params}


def every(*rules) -> dict:
    return {"match": "all", "rules": list(rules)}


def either(*rules) -> dict:
    return {"match": "any", "rules": list(rules)}


def picked(definition: dict, now: dt.datetime = NOW) -> set[str]:
    return set(audience_leads(definition, now=now).values_list("first_name", flat=True))


def errors_of(definition) -> dict[str, list[str]]:
    with pytest.raises(DefinitionError) as raised:
        definition_clean(definition)
    return raised.value.errors
