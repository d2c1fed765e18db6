"""The person being erased, as they could be recognised in free text: their
email addresses, phone numbers and full name, read before anything is blanked.
Rows that name no lead (an import's rows, a JSON report) are searched for these."""

import json
from dataclasses import dataclass
from typing import Any

from crm.models import ContactPoint, Lead

SHORTEST_NEEDLE = 5  # shorter values ("Al", "+1") would match other people's rows


@dataclass(frozen=True)
class Subject:
    lead_id: int
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, lead: Lead) -> "Subject":
        points = list(ContactPoint.objects.filter(lead=lead).values_list("kind", "value", "raw"))
        emails = {lead.email, *(v for k, v, _ in points if k == ContactPoint.Kind.EMAIL)}
        phones = {lead.phone, lead.phone_raw}
        phones |= {text for k, v, r in points if k == ContactPoint.Kind.PHONE for text in (v, r)}
        names = {lead.full_name, lead.formal_name}
        return cls(
            lead_id=lead.pk,
            emails=_kept(emails),
            phones=_kept(phones),
            names=_kept(names),
        )

    @property
    def needles(self) -> tuple[str, ...]:
        return tuple(n.casefold() for n in (*self.emails, *self.phones, *self.names))

    def mentioned_in(self, text: str) -> bool:
        folded = text.casefold()
        return any(needle in folded for needle in self.needles)

    def mentioned_in_value(self, value: Any) -> bool:
        """Whether a JSON value names the person, or their lead by id."""
        if isinstance(value, dict) and self.lead_id in (value.get("lead"), value.get("lead_id")):
            return True
        return self.mentioned_in(json.dumps(value, ensure_ascii=False, default=str))

    def scrubbed(self, value: Any) -> Any:
        """A JSON value without the list entries that name the person."""
        if isinstance(value, list):
            return [self.scrubbed(item) for item in value if not self.mentioned_in_value(item)]
        if isinstance(value, dict):
            return {key: self.scrubbed(item) for key, item in value.items()}
        if isinstance(value, str) and self.mentioned_in(value):
            return ""
        return value


def _kept(values: set[str]) -> tuple[str, ...]:
    return tuple(sorted(v.strip() for v in values if v and len(v.strip()) >= SHORTEST_NEEDLE))
