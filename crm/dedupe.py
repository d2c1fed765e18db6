"""Who is who: the one matching rule, for one person or a whole booth list.

A contact is the lead with the same email (any case) — its main address
first, then its other addresses (ContactPoint); failing that, the lead with
the same E.164 phone, main then other — unless both have an email and the
emails differ, because a shared phone with a different email is a different
person (a switchboard). Single find-or-creates and bulk imports both load a
LeadIndex and ask it, so the rule lives only here.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from crm.bulk import batches
from crm.models import ContactPoint, Lead
from crm.prepared import loaded_instances

# Values per query: one array parameter on PostgreSQL (crm.lookups), an IN (...)
# list elsewhere, well inside every database's limit.
QUERY_CHUNK = 2000


@dataclass(frozen=True)
class Contact:
    """What one person gave: emails (any case) and E.164 phones, first ones first."""

    emails: Sequence[str] = ()
    phones: Sequence[str] = ()


class LeadIndex:
    """Leads by lowercased email and by phone, main and other, kept current as
    leads are added or gain contact data, so a file's later rows see the people
    its earlier rows made. One Python object per lead, however it was found."""

    def __init__(self) -> None:
        self.by_pk: dict[int, Lead] = {}
        self.by_email: dict[str, Lead] = {}
        self.by_phone: dict[str, list[Lead]] = defaultdict(list)
        self.by_other_email: dict[str, Lead] = {}
        self.by_other_phone: dict[str, list[Lead]] = defaultdict(list)
        # (kind, value) of every other contact indexed, by lead object id.
        self.points: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self.fields: list[str] = []  # the attnames loaded, when not all of them

    @classmethod
    def load(cls, contacts: Iterable[Contact], *, only: Iterable[str] | None = None) -> "LeadIndex":
        """The existing leads these contacts could match: by their emails, then by
        the phones of those no email found; and every other contact with one of
        their emails or phones. A few queries per 2,000 contacts.
        `only` limits the columns read, for callers that write back with bulk_update."""
        contacts = list(contacts)
        leads = Lead.objects.only(*only) if only else Lead.objects.all()
        index = cls()
        if only:
            index.fields = ["id", *(Lead._meta.get_field(name).attname for name in only)]
        emails = sorted({email.lower() for contact in contacts for email in contact.emails})
        # "email <> ''" lets the database use the partial unique index on lower(email).
        by_email = leads.exclude(email="").alias(email_lower=Lower("email"))
        for chunk in batches(emails, QUERY_CHUNK):
            index.add_all(by_email.filter(email_lower__any=chunk))
        index._load_points(leads, ContactPoint.Kind.EMAIL, emails)
        unknown = [contact for contact in contacts if not index._knows_an_email_of(contact)]
        unknown_phones = sorted({phone for contact in unknown for phone in contact.phones})
        for chunk in batches(unknown_phones, QUERY_CHUNK):
            index.add_all(leads.filter(phone__any=chunk))
        # Every phone, not only the unknown contacts': a known lead's other numbers must
        # be known too, or the caller would add them again.
        phones = sorted({phone for contact in contacts for phone in contact.phones})
        index._load_points(leads, ContactPoint.Kind.PHONE, phones)
        for same_phone in (*index.by_phone.values(), *index.by_other_phone.values()):
            same_phone.sort(key=lambda lead: lead.pk)  # the oldest lead answers first
        return index

    def _load_points(self, leads, kind: str, values: list[str]) -> None:
        """The other contacts with these values, and their leads."""
        points = []
        for chunk in batches(values, QUERY_CHUNK):
            points += ContactPoint.objects.filter(kind=kind, value__any=chunk).values_list(
                "lead_id", "value"
            )
        missing = sorted({lead_id for lead_id, _ in points} - set(self.by_pk))
        for chunk in batches(missing, QUERY_CHUNK):
            self.add_all(leads.filter(pk__any=chunk))
        for lead_id, value in sorted(points):
            if lead_id in self.by_pk:
                self.add_other(self.by_pk[lead_id], kind, value)

    def _knows_an_email_of(self, contact: Contact) -> bool:
        return any(
            email.lower() in self.by_email or email.lower() in self.by_other_email
            for email in contact.emails
        )

    def add_all(self, leads: Iterable[Lead]) -> None:
        if self.fields and isinstance(leads, QuerySet):
            leads = loaded_instances(leads, self.fields)
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

    def add_other(self, lead: Lead, kind: str, value: str) -> None:
        """Index another email (lowercased) or phone (E.164) of a lead."""
        self.points[id(lead)].add((kind, value))
        if kind == ContactPoint.Kind.EMAIL:
            self.by_other_email.setdefault(value, lead)
        elif not any(known is lead for known in self.by_other_phone[value]):
            self.by_other_phone[value].append(lead)

    def has_other(self, lead: Lead, kind: str, value: str) -> bool:
        return (kind, value) in self.points[id(lead)]

    def find(self, contact: Contact) -> Lead | None:
        emails = [email.lower() for email in contact.emails]
        for table in (self.by_email, self.by_other_email):
            for email in emails:
                if email in table:
                    return table[email]
        for table in (self.by_phone, self.by_other_phone):
            for phone in contact.phones:
                for lead in table.get(phone, ()):
                    if not (emails and lead.email):
                        return lead
        return None
