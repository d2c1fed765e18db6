"""One demo lead at a time and its history (LeadPlan): the person, company,
phone, address, stage and consent, then the campaign's first touch, some
browsing and the reps' calls, meetings and purchases, every choice drawn from
one random.Random in a fixed order."""

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

from django.utils.text import slugify

from crm.contact import derive_time_zone
from crm.demo.campaigns import DAY, CampaignSpec
from crm.demo.world import (
    ASSETS,
    BOOTH_INTERESTS,
    CALL_NOTES,
    COINED_ENDS,
    COINED_STARTS,
    CONSENT_METHODS,
    CONSENT_TEXT_VERSION,
    COUNTRIES,
    CURRENCIES,
    DIGITS,
    LETTERS,
    MEETING_NOTES,
    PRODUCTS,
    SUPPORT_NOTES,
    TITLES,
    WEB_PAGES,
    City,
    Country,
)
from crm.models import Campaign, Interaction, Lead
from crm.outcomes import CallOutcome, MeetingOutcome, SupportCallOutcome

SOURCE = "demo"

Kind = Interaction.Kind
Stage = Lead.Stage
Consent = Lead.EmailConsent
Sentiment = Interaction.Sentiment

WEBINAR_PAGE = "/webinars/follow-ups-that-close"


def content(title: str) -> dict[str, str]:
    """A download as the snippet records it: a slug to match, and its title."""
    return {"content": slugify(title), "title": title}


FIRST_TOUCH = {
    Campaign.Kind.EVENT: Kind.BOOTH_VISIT,
    Campaign.Kind.GIVEAWAY: Kind.GIVEAWAY_ENTRY,
    Campaign.Kind.WEBINAR: Kind.WEB_VISIT,
    Campaign.Kind.CONTENT: Kind.CONTENT_DOWNLOAD,
    Campaign.Kind.WEBSITE: Kind.WEB_VISIT,
}
SENTIMENTS = frozenset(Sentiment.values)
# A connected call's outcome by its sentiment: a positive one books the meeting
# that follows it in the stories below.
CONNECTED_CALLS = {
    Sentiment.POSITIVE: CallOutcome.MEETING.value,
    Sentiment.NEUTRAL: CallOutcome.INTERESTED.value,
    Sentiment.NEGATIVE: CallOutcome.NOT_INTERESTED.value,
}
# After any unanswered calls: the connected call (by its sentiment), then what followed.
# Each step names a LeadBuilder method.
STAGE_STORIES = {
    Stage.NEW: (),
    Stage.WORKING: (Sentiment.NEUTRAL,),
    Stage.QUALIFIED: (Sentiment.POSITIVE, "meeting"),
    Stage.CUSTOMER: (Sentiment.POSITIVE, "meeting", "purchase"),
    Stage.LOST: (Sentiment.NEGATIVE,),
}


class Weighted:
    """A weighted choice with the running totals computed once."""

    def __init__(self, weights: dict[Any, int]):
        self.items = list(weights)
        self.totals = list(accumulate(weights.values()))

    def draw(self, rng: random.Random) -> Any:
        return rng.choices(self.items, cum_weights=self.totals)[0]


PICK_COUNTRY = Weighted({country: country.weight for country in COUNTRIES})
PICK_STAGE = Weighted(
    {Stage.NEW: 38, Stage.WORKING: 25, Stage.QUALIFIED: 12, Stage.CUSTOMER: 10, Stage.LOST: 15}
)
PICK_CONSENT = Weighted(
    {Consent.NONE: 30, Consent.PENDING: 10, Consent.CONFIRMED: 45, Consent.UNSUBSCRIBED: 15}
)
PICK_BROWSING_COUNT = Weighted({0: 45, 1: 35, 2: 20})


@cache
def ascii_slug(text: str, separator: str = "") -> str:
    """Lowercase ASCII for emails and domains: ascii_slug("Müller Bau", "-") == "mueller-bau"."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(char if char.isalnum() else " " for char in text).split()
    return separator.join(words)


@dataclass
class LeadPlan:
    """A lead's column values, and its interactions'."""

    lead: dict[str, Any]
    interactions: list[dict[str, Any]]


class LeadBuilder:
    """Makes LeadPlans, drawing every choice from one Random in a fixed order."""

    def __init__(
        self,
        rng: random.Random,
        anchor: datetime,
        campaigns: list[tuple[CampaignSpec, Campaign]],
        rep_ids: list[int],
    ):
        self.rng = rng
        self.anchor = anchor
        self.campaigns = Weighted({pair: pair[0].weight for pair in campaigns})
        self.website_id = next(c.pk for s, c in campaigns if s.kind == Campaign.Kind.WEBSITE)
        self.rep_ids = rep_ids
        self.emails: dict[str, int] = {}
        self.domains: set[str] = set()
        self.domains_per_base: Counter[str] = Counter()  # names have no digits: no overlaps
        self.companies: dict[str, list[tuple[str, str]]] = {c.code: [] for c in COUNTRIES}
        self.time_zones: dict[tuple[str, str, str], str] = {}

    def at(self, seconds_ago: int) -> datetime:
        return self.anchor - timedelta(seconds=seconds_ago)

    def plan(self) -> LeadPlan:
        rng = self.rng
        country = PICK_COUNTRY.draw(rng)
        city = rng.choice(country.cities)
        spec, campaign = self.campaigns.draw(rng)
        created = rng.randrange(spec.window[1] * DAY + 3600, spec.window[0] * DAY)
        lead = {
            **self.person(country),
            **self.phone(country, city),
            **self.address(country, city),
            **self.sales(),
            **self.consent(created),
            "source_campaign_id": campaign.pk,
            "created_at": self.at(created),
        }
        lead["do_not_call"] = "phone" in lead and rng.random() < 0.02
        lead["do_not_mail"] = rng.random() < 0.02
        interactions = self.interactions(spec, campaign, lead, created)
        lead["last_activity_at"] = max(row["occurred_at"] for row in interactions)
        return LeadPlan(lead, interactions)

    def person(self, country: Country) -> dict[str, str]:
        rng = self.rng
        first_name = rng.choice(country.first_names)
        last_name = rng.choice(country.last_names)
        if country.code == "ES" and rng.random() < 0.5:  # many Spaniards use both surnames
            last_name = f"{last_name} {rng.choice(country.last_names)}"
        company, domain = self.company(country)
        return {
            "first_name": first_name,
            "last_name": last_name,
            "email": self.email(first_name, last_name, domain),
            "company": company,
            "title": rng.choice(TITLES),
        }

    def company(self, country: Country) -> tuple[str, str]:
        """(name, email domain); mostly a known one, as several contacts work at each."""
        rng = self.rng
        known = self.companies[country.code]
        if known and rng.random() < 0.85:
            return rng.choice(known)
        coined = rng.choice(COINED_STARTS) + rng.choice(COINED_ENDS)
        core = f"{rng.choice((rng.choice(country.last_names), coined))} "
        core += rng.choice(country.company_words)
        base = domain = ascii_slug(core, "-")
        used = self.domains_per_base[base]
        if used >= 99:  # base and base-2 .. base-99 all taken: a random draw never ends
            domain = f"{base}-{used + 1}"
        while domain in self.domains:
            domain = f"{base}-{rng.randrange(2, 100)}"
        self.domains.add(domain)
        self.domains_per_base[base] = used + 1
        known.append((f"{core} {rng.choice(country.company_suffixes)}", f"{domain}.example"))
        return known[-1]

    def email(self, first_name: str, last_name: str, domain: str) -> str:
        """A common address pattern, numbered when the address is taken already."""
        first, last = ascii_slug(first_name), ascii_slug(last_name.split()[0])
        local = self.rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}", first))
        address = f"{local}@{domain}"
        taken = self.emails.get(address, 0)
        self.emails[address] = taken + 1
        # Names have no digits, so a numbered address never equals another's pattern.
        return f"{local}{taken + 1}@{domain}" if taken else address

    def phone(self, country: Country, city: City) -> dict[str, str]:
        """A landline in the lead's city or a mobile, or no phone at all."""
        rng = self.rng
        if rng.random() < 0.08:
            return {"time_zone": self.time_zone(country.code, city.region, "", "")}
        use_mobile = country.mobiles and rng.random() < 0.35
        template = rng.choice(country.mobiles if use_mobile else city.phones)
        raw = self.fill(template)
        digits = "".join(char for char in raw if char.isdigit())
        e164 = f"+{country.calling_code}{digits[len(country.trunk) :]}"
        return {
            "phone": e164,
            "phone_raw": raw,
            "phone_ext": str(rng.randrange(100, 1000)) if rng.random() < 0.04 else "",
            "time_zone": self.time_zone(country.code, city.region, template, e164),
        }

    def time_zone(self, country: str, region: str, template: str, e164: str) -> str:
        """derive_time_zone, cached: the zone depends on the number's fixed prefix only."""
        key = (country, region, template)
        if key not in self.time_zones:
            self.time_zones[key] = derive_time_zone(phone=e164, country=country, region=region)
        return self.time_zones[key]

    def address(self, country: Country, city: City) -> dict[str, str]:
        rng = self.rng
        line1 = country.street_format.format(
            number=rng.randrange(1, 250), street=rng.choice(country.streets)
        )
        has_suite = country.code == "US" and rng.random() < 0.2
        return {
            "address_line1": line1,
            "address_line2": f"Suite {rng.randrange(100, 900)}" if has_suite else "",
            "city": city.name,
            "region": city.region,
            "postal_code": self.fill(city.postal),
            "country": country.code,
        }

    def fill(self, template: str) -> str:
        choice = self.rng.choice
        return "".join(
            choice(DIGITS) if char == "#" else choice(LETTERS) if char == "@" else char
            for char in template
        )

    def sales(self) -> dict[str, Any]:
        """The stage, and the owning rep: only some new leads wait for one."""
        stage = PICK_STAGE.draw(self.rng)
        unassigned = stage == Stage.NEW and self.rng.random() < 0.35
        return {"stage": stage, "owner_id": None if unassigned else self.rng.choice(self.rep_ids)}

    def consent(self, created: int) -> dict[str, Any]:
        state = PICK_CONSENT.draw(self.rng)
        if state == Consent.NONE:
            return {"email_consent": state}
        given = max(created - self.rng.randrange(60, 2 * DAY), 0)  # the confirmation click
        if state == Consent.PENDING:
            given = created
        elif state == Consent.UNSUBSCRIBED:
            given = self.rng.randrange(0, max(given, 1))
        return {
            "email_consent": state,
            "email_consent_at": self.at(given),
            "email_consent_method": CONSENT_METHODS[state],
            "email_consent_text_version": CONSENT_TEXT_VERSION,
        }

    def interactions(
        self, spec: CampaignSpec, campaign: Campaign, lead: dict, created: int
    ) -> list[dict[str, Any]]:
        """The source campaign's touch, some browsing, then what the reps did, in order."""
        rng = self.rng
        touches = [
            self.touch(
                FIRST_TOUCH[spec.kind],
                created,
                campaign_id=campaign.pk,
                **self.first_touch_values(spec.kind),
            )
        ]
        for _ in range(PICK_BROWSING_COUNT.draw(rng)):
            touches.append(self.browsing(rng.randrange(0, created)))
        steps = ["unanswered_call"] * rng.randrange(0, 3) if lead["stage"] != Stage.NEW else []
        steps += STAGE_STORIES[lead["stage"]]
        if lead["stage"] == Stage.CUSTOMER and rng.random() < 0.4:
            steps.append("support_call")
        times = sorted((rng.randrange(0, created) for _ in steps), reverse=True)
        for step, seconds_ago in zip(steps, times, strict=True):
            touches.append(self.sales_touch(step, lead, seconds_ago))
        return touches

    def touch(self, kind: str, seconds_ago: int, **values: Any) -> dict[str, Any]:
        moment = self.at(seconds_ago)
        return {
            "kind": kind,
            "occurred_at": moment,
            "created_at": moment,
            "source": SOURCE,
        } | values

    def first_touch_values(self, kind: str) -> dict[str, Any]:
        """The first touch's details, in the shapes the website snippet records
        (a page's path and seconds; a download's content), which audiences read."""
        rng = self.rng
        if kind == Campaign.Kind.EVENT:
            # As a booth list's answer column is kept (crm.imports.visits).
            return {"data": {"extra": {"Interested in": rng.choice(BOOTH_INTERESTS)}}}
        if kind == Campaign.Kind.GIVEAWAY:
            return {"data": {"prize": "A year of Pro"}}
        if kind == Campaign.Kind.CONTENT:
            return {"data": content("The remarketing playbook")}
        path = rng.choice(WEB_PAGES) if kind == Campaign.Kind.WEBSITE else WEBINAR_PAGE
        return {"path": path, "data": {"seconds": rng.randrange(10, 400)}}

    def browsing(self, seconds_ago: int) -> dict[str, Any]:
        rng = self.rng
        if rng.random() < 0.6:
            return self.touch(
                Kind.WEB_VISIT,
                seconds_ago,
                campaign_id=self.website_id,
                path=rng.choice(WEB_PAGES),
                data={"seconds": rng.randrange(5, 400)},
            )
        return self.touch(Kind.CONTENT_DOWNLOAD, seconds_ago, data=content(rng.choice(ASSETS)))

    def sales_touch(self, step: str, lead: dict, seconds_ago: int) -> dict[str, Any]:
        if step in SENTIMENTS:
            return self.connected_call(step, lead, seconds_ago)
        return getattr(self, step)(lead, seconds_ago)

    def unanswered_call(self, lead: dict, seconds_ago: int) -> dict[str, Any]:
        outcome = self.rng.choice((CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL)).value
        return self.touch(Kind.CALL, seconds_ago, outcome=outcome, user_id=lead["owner_id"])

    def connected_call(self, sentiment: str, lead: dict, seconds_ago: int) -> dict[str, Any]:
        return self.touch(
            Kind.CALL,
            seconds_ago,
            outcome=CONNECTED_CALLS[sentiment],
            sentiment=sentiment,
            notes=self.rng.choice(CALL_NOTES[sentiment]),
            user_id=lead["owner_id"],
        )

    def meeting(self, lead: dict, seconds_ago: int) -> dict[str, Any]:
        return self.touch(
            Kind.MEETING,
            seconds_ago,
            outcome=MeetingOutcome.HELD.value,
            sentiment=Sentiment.POSITIVE,
            notes=self.rng.choice(MEETING_NOTES),
            user_id=lead["owner_id"],
        )

    def purchase(self, lead: dict, seconds_ago: int) -> dict[str, Any]:
        product, amount = self.rng.choice(PRODUCTS)
        data = {"product": product, "amount": amount, "currency": CURRENCIES[lead["country"]]}
        return self.touch(Kind.PURCHASE, seconds_ago, data=data, user_id=lead["owner_id"])

    def support_call(self, lead: dict, seconds_ago: int) -> dict[str, Any]:
        notes = self.rng.choice(SUPPORT_NOTES)
        return self.touch(
            Kind.SUPPORT_CALL, seconds_ago, outcome=SupportCallOutcome.RESOLVED.value, notes=notes
        )
