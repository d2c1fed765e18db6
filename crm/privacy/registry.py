"""What each app holds about a person, for exporting it (GDPR Art. 15) and
erasing it (Art. 17).

crm imports neither followups nor mailings, so each app registers its part here
from AppConfig.ready, naming the models it covers: crm its own (leads,
interactions, visits, imports, ...), followups its touches and enrolments,
mailings its emails, consent and letters. A part's `export` takes the lead and
returns {section: rows}; its `erase` takes the Subject (what identified the
person, read before anything was blanked) and returns {what, in words: rows
changed}, stopping what its app planned through its own services and blanking
with queryset updates (no save(), so no signal copies the old values anywhere).

Any app may add an eraser the same way, e.g. an audit trail redacting the lead's
history (register(name="audit history", models=[...], export=..., erase=...)).

Models that point at a lead but hold nothing about the person are declared with
declare_no_personal_data, so tests can fail for a model no one thought about.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Rows = list[dict[str, Any]]
Exporter = Callable[..., Mapping[str, Rows]]
Eraser = Callable[..., Mapping[str, int]]


@dataclass(frozen=True)
class Part:
    name: str
    models: frozenset[str]  # model labels, e.g. "followups.Touch"
    export: Exporter
    erase: Eraser


# crm's own part: the lead, its timeline and everything crm keeps beside it.
CRM_MODELS = (
    "crm.Lead",
    "crm.Interaction",
    "crm.LeadMerge",
    "crm.ContactPoint",
    "crm.LeadImport",
    "crm.AudienceMember",
    "crm.AdAudienceMember",
    "crm.Visitor",
    "crm.WebEvent",
    "crm.Cart",
    "admin.LogEntry",
)

_parts: list[Part] = []
_no_personal_data: set[str] = set()


def register(*, name: str, models: Iterable[str], export: Exporter, erase: Eraser) -> None:
    if any(part.name == name for part in _parts):
        return
    _parts.append(Part(name=name, models=frozenset(models), export=export, erase=erase))


def declare_no_personal_data(*labels: str) -> None:
    """These models refer to a lead (or its rows) but hold nothing about the person."""
    _no_personal_data.update(labels)


def parts() -> list[Part]:
    return list(_parts)


def covered_models() -> set[str]:
    return {label for part in _parts for label in part.models}


def no_personal_data() -> set[str]:
    return set(_no_personal_data)
