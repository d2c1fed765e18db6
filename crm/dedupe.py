"""Who is who: the one matching rule, for one person or a whole booth list.

A contact is the lead with the same email (any case); failing that, the lead
with the same E.164 phone — unless both have an email and the emails differ,
because a shared phone with a different email is a different person (a
switchboard). Single find-or-creates and bulk imports both load a LeadIndex
and ask it, so the rule lives only here.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models.functions import Lower

from crm.contact import Phone
from crm.models import Lead

QUERY_CHUNK = 2000  # parameters per IN (...) query, well inside every database's limit


class LeadIndex:
    """Leads by lowercased email and by phone, kept current as leads are added or
    gain contact data, so a file's later rows see the people its earlier rows made.
    One Python object per lead, however many ways it was found."""

    def __init__(self) -> None:
        self.by_pk: dict[int, Lead] = {}
        self.by_email: dict[str, Lead] = {}
        self.by_phone: dict[str, list[Lead]] = defaultdict(list)

    @classmethod
    def load(
        cls,
        contacts: Iterable[tuple[str, Phone | None]],
        *,
        only: Iterable[str] | None = None,
    ) -> "LeadIndex":
        """The existing leads these (email, phone) contacts could match: their emails,
        then the phones of those no email found. A few queries per 2,000 contacts.
        `only` limits the columns read, for callers that write back with bulk_update."""
        contacts = list(contacts)
        leads = Lead.objects.only(*only) if only else Lead.objects.all()
        index = cls()
        emails = sorted({email.lower() for email, _ in contacts if email})
        # "email <> ''" lets the database use the partial unique index on lower(email).
        by_email = leads.exclude(email="").alias(email_lower=Lower("email"))
        for chunk in _chunks(emails):
            index.add_all(by_email.filter(email_lower__in=chunk))
        phones = sorted(
            {
                phone.e164
                for email, phone in contacts
                if phone and not (email and email.lower() in index.by_email)
            }
        )
        for chunk in _chunks(phones):
            index.add_all(leads.filter(phone__in=chunk))
        for same_phone in index.by_phone.values():
            same_phone.sort(key=lambda lead: lead.pk)  # the oldest lead answers first
        return index

    def add_all(self, leads: Iterable[Lead]) -> None:
        for lead in leads:
            self.add(lead)

    def add(self, lead: Lead) -> Lead:
        """Index a lead, or index again one that gained an email or phone. Returns the
        index's own object for that lead."""
        if lead.pk is not None:
            lead = self.by_pk.setdefault(lead.pk, lead)
        if lead.email:
            self.by_email.setdefault(lead.email.lower(), lead)
        if lead.phone and not any(known is lead for known in self.by_phone[lead.phone]):
            self.by_phone[lead.phone].append(lead)
        return lead

    def find(self, *, email: str, phone: Phone | None) -> Lead | None:
        if email:
            lead = self.by_email.get(email.lower())
            if lead:
                return lead
        if phone:
            for lead in self.by_phone.get(phone.e164, ()):
                if not (email and lead.email):
                    return lead
        return None


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), QUERY_CHUNK):
        yield values[start : start + QUERY_CHUNK]
