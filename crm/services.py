"""Writes and side effects for leads, interactions and API tokens."""

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.forms.models import model_to_dict
from django.utils import timezone

from config.jobs import enqueue
from crm import interaction_hooks, jobs, selectors
from crm.audiences.services import audience_members_forget
from crm.audit.models import AuditEntry
from crm.audit.services import (
    audit_entry,
    audit_lead_changes,
    audit_leads_owner_changed,
    audit_record,
    audit_record_many,
    lead_audit_values,
    lead_changes,
    leads_stored_audit_values,
)
from crm.contact import InvalidPhone, Phone, country_code, parse_phone
from crm.dedupe import Contact, LeadIndex
from crm.models import (
    ADDRESS_FIELDS,
    LEAD_PROFILE_FIELDS,
    Campaign,
    ContactPoint,
    Interaction,
    Lead,
    LeadMerge,
    User,
)
from crm.outcomes import outcome_error
from crm.privacy.models import Erasure
from crm.scoring.services import scores_update

# From the most to the least permissive: when two leads merge, the later one wins.
EMAIL_CONSENT_STRICTNESS = [
    Lead.EmailConsent.CONFIRMED,
    Lead.EmailConsent.PENDING,
    Lead.EmailConsent.NONE,
    Lead.EmailConsent.UNSUBSCRIBED,
]


OTHER_CONTACTS_BATCH = 500  # leads per UPDATE
FOUND_AGAIN = "found again by email or phone"  # how an entry path changed a lead


class LeadOfAnotherRep(Exception):
    """The person is already a lead the caller may not see; nothing was changed."""


@dataclass(frozen=True)
class OptOuts:
    """What a person asked us not to do. On a match these only ever add to its own."""

    call: bool = False
    mail: bool = False
    email: bool = False


@dataclass(frozen=True)
class FoundLead:
    lead: Lead
    created: bool


def contact_clean(
    *, email: str = "", phone: Any = "", country: str = ""
) -> tuple[str, Phone | None]:
    """Validate contact data, raising ValidationError keyed by field."""
    email = (email or "").strip()
    errors = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"“{email}” is not a valid email address."]
    try:
        parsed_phone = parse_phone(phone, country=country or settings.CRM_DEFAULT_COUNTRY)
    except InvalidPhone as exc:
        errors["phone"] = [str(exc)]
        parsed_phone = None
    if not errors and not email and not parsed_phone:
        errors["email"] = ["Give an email address or a phone number."]
    if errors:
        raise ValidationError(errors)
    return email, parsed_phone


@transaction.atomic
def lead_find_or_create(
    *,
    email: str = "",
    phone: Any = "",
    defaults: dict[str, Any] | None = None,
    owner: User | None = None,
    source_campaign: Campaign | None = None,
    opt_outs: OptOuts = OptOuts(),
    by: User | None = None,
) -> FoundLead:
    """The one way in for a person: match by email (any case), then by E.164 phone.

    A match gets its empty fields filled and nothing overwritten. National phone
    numbers are read in the country given in `defaults`, else the default country.
    With `by` (the user acting), a match that user may not see (another rep's
    lead) raises LeadOfAnotherRep and is left unchanged.
    """
    profile = _profile_from(defaults or {})
    email, parsed_phone = contact_clean(
        email=email, phone=phone, country=profile.get("country", "")
    )
    _lock_contact(email, parsed_phone)
    contact = Contact(
        emails=[email] if email else [], phones=[parsed_phone.e164] if parsed_phone else []
    )
    lead = LeadIndex.load([contact]).find(contact)
    created = lead is None
    before = None if created else lead_audit_values(lead)
    if created:
        lead = Lead(owner=owner, source_campaign=source_campaign)
    elif lead.owner_id is None and owner is not None:
        lead.owner = owner
    if lead.source_campaign_id is None and source_campaign is not None:
        lead.source_campaign = source_campaign
    lead.fill_blanks(email=email, phone=parsed_phone, profile=profile)
    _apply_opt_outs(lead, opt_outs, by=by)
    _save_validated(lead)
    if before is not None:
        after = lead_audit_values(lead)
        audit_lead_changes(lead_id=lead.pk, before=before, after=after, by=by, note=FOUND_AGAIN)
    # Checked after saving, so an unowned lead the caller has just claimed counts as
    # theirs; raising inside the transaction undoes the changes to someone else's lead.
    if by is not None and not _visible(lead, by):
        raise LeadOfAnotherRep("This person is already a lead of another rep.")
    return FoundLead(lead=lead, created=created)


def _visible(lead: Lead, user: User) -> bool:
    return selectors.leads_visible_to(user).filter(pk=lead.pk).exists()


def _profile_from(defaults: dict[str, Any]) -> dict[str, str]:
    unknown = set(defaults) - set(LEAD_PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: ["Not a lead profile field."] for name in sorted(unknown)})
    profile = {
        key: str(value).strip() for key, value in defaults.items() if value not in (None, "")
    }
    if "country" in profile:
        code = country_code(profile["country"])
        if not code:
            raise ValidationError({"country": [f"“{profile['country']}” is not a country."]})
        profile["country"] = code
    return profile


def _lock_contact(email: str, phone: Phone | None) -> None:
    """Serialise concurrent find-or-creates of the same person (rows that don't exist
    yet cannot be locked). SQLite already serialises writers."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(filter(None, [email.lower() and f"email:{email.lower()}", phone and phone.e164]))
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _apply_opt_outs(lead: Lead, opt_outs: OptOuts, *, by: User | None) -> None:
    lead.do_not_call = lead.do_not_call or opt_outs.call
    lead.do_not_mail = lead.do_not_mail or opt_outs.mail
    if opt_outs.email:
        _withdraw_email_consent(lead, by=by)


def _withdraw_email_consent(lead: Lead, *, by: User | None) -> None:
    if lead.email_consent != Lead.EmailConsent.UNSUBSCRIBED:
        lead.email_consent = Lead.EmailConsent.UNSUBSCRIBED
        lead.email_consent_at = timezone.now()
        lead.email_consent_method = f"marked by {by.username}" if by else "asked when added"


def _save_validated(lead: Lead) -> None:
    _undeliverable_cleared_on_move(lead)
    lead.fill_time_zone()
    lead.full_clean(exclude=["owner", "source_campaign"])
    lead.save()


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    fields: dict[str, Any],
    phone: Phone | None,
    by: User,
    email_opt_out: bool = False,
) -> Lead:
    """Change a lead's profile. `phone` replaces the number (None clears it).

    Email consent can be withdrawn here (the person asked us), never granted.
    """
    # From the database: a model form has changed the instance already.
    before = leads_stored_audit_values([lead.pk])[lead.pk]
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.phone, lead.phone_raw, lead.phone_ext = (
        (phone.e164, phone.raw, phone.extension) if phone else ("", "", "")
    )
    if email_opt_out:
        _withdraw_email_consent(lead, by=by)
    _save_validated(lead)
    audit_lead_changes(lead_id=lead.pk, before=before, after=lead_audit_values(lead), by=by)
    return lead


def lead_other_contacts_refresh(*, lead_ids: Iterable[int]) -> None:
    """Write each lead's other_contacts (the search text of its ContactPoints) again,
    after some of them were added or removed other than by an import (which keeps
    it as it goes)."""
    ids = sorted(set(lead_ids))
    for start in range(0, len(ids), OTHER_CONTACTS_BATCH):
        texts: dict[int, list[str]] = {pk: [] for pk in ids[start : start + OTHER_CONTACTS_BATCH]}
        points = ContactPoint.objects.filter(lead_id__in=texts).order_by("pk")
        for lead_id, value in points.values_list("lead_id", "value"):
            texts[lead_id].append(value)
        Lead.objects.bulk_update(
            [Lead(pk=pk, other_contacts=" ".join(values)) for pk, values in texts.items()],
            ["other_contacts"],
        )


@transaction.atomic
def interaction_record(
    *,
    lead: Lead,
    kind: str,
    occurred_at: datetime | None = None,
    campaign: Campaign | None = None,
    outcome: str = "",
    sentiment: str = "",
    notes: str = "",
    data: dict | None = None,
    user: User | None = None,
    source: str = "",
    external_id: str = "",
) -> tuple[Interaction, bool]:
    """Record what happened and queue what follows from it.

    A second call with the same (source, external_id) returns the first
    interaction and records nothing. The outcome is one of the kind's codes
    (crm.outcomes), or none.
    """
    data = interaction_data_clean(kind=kind, data=data or {})
    if problem := outcome_error(kind, outcome):
        raise ValidationError({"outcome": [problem]})
    if external_id:
        existing = Interaction.objects.filter(source=source, external_id=external_id).first()
        if existing:
            return existing, False
    interaction = Interaction(
        lead=lead,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        campaign=campaign,
        outcome=outcome,
        sentiment=sentiment,
        notes=notes,
        data=data,
        user=user,
        source=source,
        external_id=external_id,
    )
    interaction.full_clean(exclude=["lead", "campaign", "user"])
    interaction.save()
    from_campaign = {interaction.lead_id} if interaction.campaign_id else set()
    _leads_touched([interaction.pk], {interaction.lead_id}, from_campaign)
    enqueue(jobs.interaction_recorded, interaction.pk)
    return interaction, True


def interaction_data_clean(*, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The interaction's data as its kind needs it: an app event's name, trimmed, in
    data["name"] (ValidationError on "data.name" when it is missing, blank, not text
    or too long). Other kinds' data is left as it is."""
    if kind != Interaction.Kind.APP_EVENT:
        return data
    name = data.get("name")
    limit = Interaction.APP_EVENT_NAME_MAX_LENGTH
    if name is not None and not isinstance(name, str):
        problem = "Give the app event's name as text."
    elif not (name or "").strip():
        problem = "An app event needs its name, e.g. “project_created”."
    elif len(name.strip()) > limit:
        problem = f"Use at most {limit} characters."
    else:
        return {**data, "name": name.strip()}
    raise ValidationError({"data.name": [problem]})


def interactions_record(interactions: list[Interaction]) -> list[Interaction]:
    """Many interactions in one insert (a drip batch's sends, a print run's letters,
    a website visitor's history): those whose (source, external_id) is recorded
    already are skipped; then, as interaction_record does for one, the leads'
    activity times and one hooks job. Returns the interactions recorded now."""
    keys = {i.external_id for i in interactions if i.external_id}
    if keys:
        known = Interaction.objects.filter(external_id__in=keys).values_list(
            "source", "external_id"
        )
        recorded = set(known)
        interactions = [i for i in interactions if (i.source, i.external_id) not in recorded]
    if not interactions:
        return []
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    _leads_touched(
        [i.pk for i in interactions],
        {i.lead_id for i in interactions},
        {i.lead_id for i in interactions if i.campaign_id},
    )
    enqueue(jobs.interactions_recorded, [interaction.pk for interaction in interactions])
    return interactions


@dataclass(frozen=True)
class Happened:
    """One interaction of a kind and source recorded in bulk (interactions_record_many)."""

    lead_id: int
    occurred_at: datetime
    notes: str
    data: dict
    external_id: str


def interactions_record_many(*, kind: str, source: str, happened: Sequence[Happened]) -> list[int]:
    """interactions_record for many interactions of one kind and source with no
    campaign, outcome or user (a mail job's sends): on PostgreSQL one INSERT …
    SELECT FROM unnest of the batch's columns, the ones recorded already skipped
    by the unique index, rather than a model object each. The same rows, the same
    leads' activity times and hooks job. Returns the ids recorded now, in order."""
    if not happened:
        return []
    if connection.vendor != "postgresql":
        interactions = [
            Interaction(
                lead_id=h.lead_id,
                kind=kind,
                occurred_at=h.occurred_at,
                notes=h.notes,
                data=h.data,
                source=source,
                external_id=h.external_id,
            )
            for h in happened
        ]
        return [interaction.pk for interaction in interactions_record(interactions)]
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_MANY_SQL, _record_many_params(kind, source, happened))
        recorded = cursor.fetchall()
    if recorded:
        _leads_touched([pk for pk, _ in recorded], {lead_id for _, lead_id in recorded}, set())
        enqueue(jobs.interactions_recorded, [pk for pk, _ in recorded])
    return [pk for pk, _ in recorded]


def _record_many_params(kind: str, source: str, happened: Sequence[Happened]) -> list:
    return [
        kind,
        source,
        timezone.now(),
        [h.lead_id for h in happened],
        [h.occurred_at for h in happened],
        [h.notes for h in happened],
        [json.dumps(h.data) for h in happened],  # as the JSONField writes it
        [h.external_id for h in happened],
    ]


# The unique index on (source, external_id) is partial (external_id not empty):
# ON CONFLICT names it by its columns and predicate. WITH ORDINALITY keeps the
# batch's order in the ids, as bulk_create gives them.
_RECORD_MANY_SQL = """
INSERT INTO crm_interaction (
    lead_id, kind, occurred_at, outcome, path, sentiment, notes, data, source,
    external_id, created_at
)
SELECT row.lead_id, %s, row.occurred_at, '', '', '', row.notes, row.data::jsonb, %s,
    row.external_id, %s
FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::text[])
    WITH ORDINALITY AS row(lead_id, occurred_at, notes, data, external_id, position)
ORDER BY row.position
ON CONFLICT (source, external_id) WHERE NOT (external_id = '') DO NOTHING
RETURNING id, lead_id
"""


def _leads_touched(ids: list[int], lead_ids: set[int], from_campaigns: set[int]) -> None:
    """Each lead's last activity moved up to its newest of these interactions, and
    a lead with no source campaign given the campaign of one (from_campaigns: the
    leads of those with a campaign): a statement each, however many leads."""
    mine = Interaction.objects.filter(pk__in=ids, lead_id=OuterRef("pk"))
    newest = Subquery(mine.order_by("-occurred_at").values("occurred_at")[:1])
    leads = Lead.objects.filter(pk__in=lead_ids)
    leads.filter(last_activity_at__lt=newest).update(last_activity_at=newest)
    if from_campaigns:
        campaign = mine.exclude(campaign=None).order_by("occurred_at", "pk").values("campaign")
        Lead.objects.filter(pk__in=from_campaigns, source_campaign__isnull=True).update(
            source_campaign=Subquery(campaign[:1])
        )


# Interaction kinds that move a lead forward, and the stages they move it from.
STAGE_PROGRESS = {
    Interaction.Kind.PURCHASE: (
        Lead.Stage.CUSTOMER,
        [Lead.Stage.NEW, Lead.Stage.WORKING, Lead.Stage.QUALIFIED, Lead.Stage.LOST],
    ),
    Interaction.Kind.MEETING: (Lead.Stage.QUALIFIED, [Lead.Stage.NEW, Lead.Stage.WORKING]),
    Interaction.Kind.CALL: (Lead.Stage.WORKING, [Lead.Stage.NEW]),
    Interaction.Kind.EMAIL_REPLIED: (Lead.Stage.WORKING, [Lead.Stage.NEW]),
}


def lead_progress_stage(*, interaction: Interaction) -> None:
    """A purchase makes a customer, a meeting qualifies, a first call starts work."""
    lead_stage_advance(lead_id=interaction.lead_id, kind=interaction.kind, by=interaction.user)


def leads_progress_stage(*, interactions: Sequence[Interaction]) -> None:
    """lead_progress_stage for a batch (an import's visits), set-based: the leads
    one interaction moves, one UPDATE per kind with their audit entries in one
    INSERT; a lead that several of the batch's interactions move is moved by each
    in turn, as one by one (each leaves an entry only when it moved the lead)."""
    moving = [i for i in interactions if i.kind in STAGE_PROGRESS]
    per_lead = Counter(i.lead_id for i in moving)
    singles: dict[str, list[Interaction]] = {}
    for interaction in moving:
        if per_lead[interaction.lead_id] > 1:
            lead_progress_stage(interaction=interaction)
        else:
            singles.setdefault(interaction.kind, []).append(interaction)
    for kind, those in singles.items():
        _stage_advance_many(kind=kind, interactions=those)


@transaction.atomic
def _stage_advance_many(*, kind: str, interactions: list[Interaction]) -> None:
    stage, from_stages = STAGE_PROGRESS[kind]
    by_lead = {i.lead_id: i for i in interactions}
    moving = Lead.objects.select_for_update().filter(pk__in=list(by_lead), stage__in=from_stages)
    old = dict(moving.order_by("pk").values_list("pk", "stage"))
    if not old:
        return
    Lead.objects.filter(pk__in=list(old)).update(stage=stage)
    users = User.objects.in_bulk({by_lead[pk].user_id for pk in old} - {None})
    label = Interaction.Kind(kind).label
    audit_record_many(
        audit_entry(
            action=AuditEntry.Action.CHANGED,
            by=users.get(by_lead[pk].user_id),
            lead_id=pk,
            changes=lead_changes({"stage": was}, {"stage": stage}),
            note=label,
        )
        for pk, was in old.items()
    )


@transaction.atomic
def lead_stage_advance(*, lead_id: int, kind: str, by: User | None = None) -> None:
    """Move the lead forward as one interaction of this kind does (STAGE_PROGRESS),
    also for what is known before it is recorded: a call booking a meeting."""
    progress = STAGE_PROGRESS.get(kind)
    if not progress:
        return
    stage, from_stages = progress
    moving = Lead.objects.select_for_update().filter(pk=lead_id, stage__in=from_stages)
    old = moving.values_list("stage", flat=True).first()
    if old is not None and moving.update(stage=stage):
        label = Interaction.Kind(kind).label
        audit_lead_changes(
            lead_id=lead_id, before={"stage": old}, after={"stage": stage}, by=by, note=label
        )


EMAIL_CONSENT_FIELDS = (
    "email_consent",
    "email_consent_at",
    "email_consent_method",
    "email_consent_text_version",
)


# What other apps change on a lead (crm is the only writer of its fields). None of
# them moves updated_at, which says when the person's details were last edited:
# crm.imports.undo keeps a lead the import created once it has been edited, and
# handing a lead to a rep or a call's outcome is no such edit.


def lead_owner_claim(*, lead: Lead, owner: User) -> bool:
    """Make `owner` the owner of a lead that has none; False (and `lead.owner`
    refreshed) when someone was given it meanwhile."""
    if Lead.objects.filter(pk=lead.pk, owner__isnull=True).update(owner=owner):
        lead.owner = owner
        audit_leads_owner_changed(
            owners_before={lead.pk: None}, owner_id=owner.pk, by=None, note="to work its touch"
        )
        return True
    lead.refresh_from_db(fields=["owner"])
    return False


@transaction.atomic
def leads_owner_claim(*, owners: Mapping[int, User]) -> set[int]:
    """lead_owner_claim for many leads (lead id -> the person it goes to), set-based:
    one UPDATE a person, the audit entries in one INSERT. The ids of those given,
    not those someone was given meanwhile."""
    if not owners:
        return set()
    free = Lead.objects.select_for_update().filter(pk__any=list(owners), owner__isnull=True)
    given = list(free.order_by("pk").values_list("pk", flat=True))
    by_owner: dict[User, list[int]] = {}
    for pk in given:
        by_owner.setdefault(owners[pk], []).append(pk)
    names = {owner.pk: owner.get_username() for owner in by_owner}
    _owners_write({pk: owners[pk].pk for pk in given}, by_owner)
    audit_record_many(
        audit_entry(
            action=AuditEntry.Action.CHANGED,
            lead_id=pk,
            changes={"owner": [None, names[owners[pk].pk]]},
            note="to work its touch",
        )
        for pk in given
    )
    return set(given)


def _owners_write(owner_ids: Mapping[int, int], by_owner: Mapping[User, list[int]]) -> None:
    """One UPDATE on PostgreSQL (each lead's owner joined by id from two arrays:
    one statement, so the rollup triggers run once); one a person elsewhere."""
    if connection.vendor != "postgresql":
        for owner, ids in by_owner.items():
            Lead.objects.filter(pk__any=ids).update(owner=owner)
        return
    if owner_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE crm_lead SET owner_id = o.owner_id FROM unnest(%s::bigint[], "
                "%s::bigint[]) AS o(id, owner_id) WHERE crm_lead.id = o.id",
                [list(owner_ids), list(owner_ids.values())],
            )


@transaction.atomic
def leads_owner_set(*, lead_ids: Iterable[int], owner_id: int, by: User | None = None) -> int:
    """Give these leads to one person: a statement to read their owners (for the
    audit trail, locking them), one to change them, one to record it."""
    leads = Lead.objects.select_for_update().filter(pk__any=list(lead_ids))
    owners_before = dict(leads.values_list("pk", "owner_id"))
    changed = leads.update(owner_id=owner_id)
    audit_leads_owner_changed(owners_before=owners_before, owner_id=owner_id, by=by)
    return changed


def lead_address_undeliverable_set(*, lead_id: int, now: datetime) -> bool:
    """A letter came back from the lead's address: no more letters to it until
    the address changes (any change through these services clears the flag).
    False when it was flagged already."""
    flagged = Lead.objects.filter(pk=lead_id, address_undeliverable_at__isnull=True)
    return flagged.update(address_undeliverable_at=now) == 1


def _undeliverable_cleared_on_move(lead: Lead) -> None:
    """A letter that came back flags the address it went to, not the person: a
    changed address (an edit, a merge, an entry path filling a blank) clears it."""
    if lead.pk is None or lead.address_undeliverable_at is None:
        return
    stored = Lead.objects.filter(pk=lead.pk).only(*ADDRESS_FIELDS).first()
    if stored is not None and stored.postal_address_key != lead.postal_address_key:
        lead.address_undeliverable_at = None


def lead_calls_pause(*, lead_id: int, until: datetime) -> None:
    Lead.objects.filter(pk=lead_id).update(calls_paused_until=until)


def lead_do_not_call_set(*, lead_id: int, by: User | None = None) -> None:
    if Lead.objects.filter(pk=lead_id, do_not_call=False).update(do_not_call=True):
        audit_lead_changes(
            lead_id=lead_id,
            before={"do_not_call": False},
            after={"do_not_call": True},
            by=by,
            note="call outcome",
        )


def lead_phone_invalid_set(*, lead_id: int) -> None:
    """The number reached the wrong person or no one: calls stop until another
    number becomes the main one (contact_point_make_main)."""
    Lead.objects.filter(pk=lead_id).update(phone_invalid=True)


# What a call's outcome may change on its lead (followups.calls), and so what
# taking the outcome back puts back (followups.undo).
CALL_FIELDS = ("stage", "do_not_call", "phone_invalid", "calls_paused_until", "last_activity_at")


def lead_call_fields(*, lead_id: int) -> dict[str, Any]:
    """The lead's CALL_FIELDS as JSON can keep them (datetimes as ISO text)."""
    values = Lead.objects.filter(pk=lead_id).values(*CALL_FIELDS).get()
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def lead_call_fields_restore(
    *, lead_id: int, fields: dict[str, Any], by: User | None = None
) -> None:
    """Put back CALL_FIELDS as lead_call_fields read them before a call's outcome."""
    values = {
        name: Lead._meta.get_field(name).to_python(value)
        for name, value in fields.items()
        if name in CALL_FIELDS
    }
    before = leads_stored_audit_values([lead_id]).get(lead_id, {})
    Lead.objects.filter(pk=lead_id).update(**values)
    audit_lead_changes(
        lead_id=lead_id, before=before, after=before | values, by=by, note="call outcome undone"
    )


@transaction.atomic
def interaction_withdraw(*, interaction_id: int, reason: str) -> None:
    """Delete one interaction as if it never happened (a call outcome taken back):
    what the other apps planned from it stops (crm.interaction_hooks), and its
    lead's score is worked out without it."""
    found = Interaction.objects.filter(pk=interaction_id)
    lead_id = found.values_list("lead_id", flat=True).first()
    if lead_id is None:
        return
    interaction_hooks.run_withdrawn(interaction_ids=[interaction_id], reason=reason)
    Interaction.objects.filter(pk=interaction_id).delete()
    scores_update(lead_ids=[lead_id], now=timezone.now())


def lead_email_consent_set(*, lead: Lead, by: User | None = None, **fields: Any) -> None:
    """Write the lead's email consent fields (EMAIL_CONSENT_FIELDS) as given: the
    rules of consent (double opt-in, the suppression list) are mailings'."""
    unknown = set(fields) - set(EMAIL_CONSENT_FIELDS)
    if unknown:
        raise ValueError(f"Not an email consent field: {', '.join(sorted(unknown))}")
    before = lead_audit_values(lead)
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.save(update_fields=list(fields))  # audiences by consent hear of it (post_save)
    audit_lead_changes(
        lead_id=lead.pk,
        before=before,
        after=lead_audit_values(lead),
        by=by,
        note=lead.email_consent_method,
    )


MERGE_FILL_FIELDS = ("email", *LEAD_PROFILE_FIELDS, "owner_id")
# Filled together: an extension belongs to its number.
PHONE_FIELDS = ("phone", "phone_raw", "phone_ext")


@transaction.atomic
def lead_merge(*, primary: Lead, duplicate: Lead, merged_by: User) -> LeadMerge:
    """Fold `duplicate` into `primary`: its interactions and touches move over, empty
    fields are filled, and the stricter consent of the two is kept."""
    if primary.pk == duplicate.pk:
        raise ValidationError("A lead cannot be merged with itself.")
    if Erasure.objects.filter(lead_id__in=[primary.pk, duplicate.pk]).exists():
        # The person asked to be forgotten: nothing is folded into or out of them.
        raise ValidationError("An erased person's lead cannot be merged.")
    locked = Lead.objects.select_for_update().in_bulk([primary.pk, duplicate.pk])
    primary, duplicate = locked[primary.pk], locked[duplicate.pk]
    snapshot = _snapshot(duplicate)
    before = lead_audit_values(primary)
    _merge_fields(primary, duplicate)
    # Memberships are not moved (both leads may be in an audience): the note
    # recorded below re-evaluates the primary's.
    audience_members_forget(lead=duplicate)
    _fold_contact_points(primary, duplicate)
    _move_related_rows(primary, duplicate)
    duplicate_id = duplicate.pk
    duplicate.delete()  # first: its email is unique and may move to the primary
    primary.other_contacts = _other_contacts_text(primary)
    _undeliverable_cleared_on_move(primary)
    primary.save()
    merge = LeadMerge.objects.create(
        lead=primary, duplicate_id=duplicate_id, duplicate_snapshot=snapshot, merged_by=merged_by
    )
    audit_record(
        action=AuditEntry.Action.MERGED,
        by=merged_by,
        lead_id=primary.pk,
        changes=lead_changes(before, lead_audit_values(primary)),
        data={"duplicate_id": duplicate_id},
    )
    interaction_record(
        lead=primary,
        kind=Interaction.Kind.NOTE,
        notes=f"Merged lead #{duplicate_id} ({snapshot['display_name']}) into this lead.",
        data={"merged_lead_id": duplicate_id},
        user=merged_by,
        source="merge",
    )
    return merge


def _snapshot(lead: Lead) -> dict[str, Any]:
    values = json.loads(json.dumps(model_to_dict(lead), cls=DjangoJSONEncoder))
    return {**values, "id": lead.pk, "display_name": lead.display_name}


def _merge_fields(primary: Lead, duplicate: Lead) -> None:
    for field in MERGE_FILL_FIELDS:
        if not getattr(primary, field) and getattr(duplicate, field):
            setattr(primary, field, getattr(duplicate, field))
    if not primary.phone and duplicate.phone:
        for field in PHONE_FIELDS:
            setattr(primary, field, getattr(duplicate, field))
    if EMAIL_CONSENT_STRICTNESS.index(duplicate.email_consent) > EMAIL_CONSENT_STRICTNESS.index(
        primary.email_consent
    ):
        for field in EMAIL_CONSENT_FIELDS:
            setattr(primary, field, getattr(duplicate, field))
    primary.do_not_call = primary.do_not_call or duplicate.do_not_call
    primary.do_not_mail = primary.do_not_mail or duplicate.do_not_mail
    if duplicate.stage == Lead.Stage.CUSTOMER:
        primary.stage = Lead.Stage.CUSTOMER
    primary.score = max(primary.score, duplicate.score)
    primary.last_activity_at = max(primary.last_activity_at, duplicate.last_activity_at)
    if duplicate.created_at < primary.created_at:
        primary.created_at = duplicate.created_at
        primary.source_campaign_id = duplicate.source_campaign_id or primary.source_campaign_id


def _fold_contact_points(primary: Lead, duplicate: Lead) -> None:
    """Nothing of the duplicate's contact data is lost: its main email and phone,
    where the primary keeps its own, become other contacts of the primary, and
    its other contacts move over unless the primary has them already."""
    label = f"From merged lead #{duplicate.pk}"
    if duplicate.email and duplicate.email.lower() != primary.email.lower():
        duplicate.contact_points.get_or_create(
            kind=ContactPoint.Kind.EMAIL,
            value=duplicate.email.lower(),
            defaults={"raw": duplicate.email, "label": label},
        )
    if duplicate.phone and duplicate.phone != primary.phone:
        duplicate.contact_points.get_or_create(
            kind=ContactPoint.Kind.PHONE,
            value=duplicate.phone,
            defaults={"raw": duplicate.phone_raw, "extension": duplicate.phone_ext, "label": label},
        )
    main = [
        (ContactPoint.Kind.EMAIL, primary.email.lower()),
        (ContactPoint.Kind.PHONE, primary.phone),
    ]
    known = set(primary.contact_points.values_list("kind", "value")) | set(main)
    for point in duplicate.contact_points.all():
        if (point.kind, point.value) in known:
            point.delete()


def _other_contacts_text(lead: Lead) -> str:
    """Lead.other_contacts: the values of its ContactPoints, for the lead search."""
    return " ".join(lead.contact_points.order_by("pk").values_list("value", flat=True))


@transaction.atomic
def contact_point_remove(*, point: ContactPoint, by: User | None = None) -> None:
    """Forget another email or phone of a lead (a wrong number, an old address)."""
    lead_id = point.lead_id
    point.delete()
    lead_other_contacts_refresh(lead_ids=[lead_id])
    audit_record(
        action=AuditEntry.Action.CHANGED,
        by=by,
        lead_id=lead_id,
        changes={f"other_{point.kind}": [point.value, None]},
    )


@transaction.atomic
def contact_point_make_main(*, point: ContactPoint, by: User | None = None) -> Lead:
    """Make another phone the lead's main one: the one it replaces becomes another
    number in its place, so nothing is lost. A new main number has not yet reached a
    wrong person, so the wrong-number flag is lifted. Emails are not swapped this
    way: consent was given for the main address."""
    if point.kind != ContactPoint.Kind.PHONE:
        raise ValidationError("Only another phone can become the main one.")
    lead = Lead.objects.select_for_update().get(pk=point.lead_id)
    before = lead_audit_values(lead)
    old = (lead.phone, lead.phone_raw, lead.phone_ext)
    lead.phone, lead.phone_raw, lead.phone_ext = point.value, point.raw, point.extension
    lead.phone_invalid = False
    if old[0]:
        point.value, point.raw, point.extension = old
        point.label = "Earlier main phone"
        point.save()
    else:
        point.delete()
    lead.other_contacts = _other_contacts_text(lead)
    lead.save()
    audit_lead_changes(lead_id=lead.pk, before=before, after=lead_audit_values(lead), by=by)
    return lead


def _move_related_rows(primary: Lead, duplicate: Lead) -> None:
    """Re-point every row that refers to the duplicate, in any app (touches too)."""
    for relation in Lead._meta.related_objects:
        if relation.one_to_many:
            field = relation.field.name
            relation.related_model._base_manager.filter(**{field: duplicate}).update(
                **{field: primary}
            )
