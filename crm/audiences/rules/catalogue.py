"""The catalogue of rule types: each with its label, section, parameters, its SQL
(rules.compilers) and its words (rules.wording). A new rule type is an entry here."""

from django.db.models import Q

from crm.audiences.rules import compilers, wording
from crm.audiences.rules.base import DAYS, Param, RuleType
from crm.models import Interaction, Lead

Kind = Interaction.Kind

STAGES = tuple(Lead.Stage.choices)
PAGE = Param("path", "Page", "text", placeholder="/pricing*")
EVENT_NAME = Param(
    "name",
    "App event",
    "event_name",
    placeholder="project_created",
    missing="Give the app event's name, e.g. “project_created”.",
)


RULE_TYPES: dict[str, RuleType] = {
    rule.name: rule
    for rule in (
        RuleType(
            "visited_page",
            "Visited a page",
            "Behaviour",
            (PAGE, DAYS),
            compilers.visited,
            lambda p, c: f"visited “{p['path']}”{wording.within(p)}",
        ),
        RuleType(
            "not_visited_page",
            "Did not visit a page",
            "Behaviour",
            (PAGE, DAYS),
            lambda p, c: ~compilers.visited(p, c),
            lambda p, c: f"did not visit “{p['path']}”{wording.within(p)}",
        ),
        RuleType(
            "page_views",
            "Viewed at least … pages",
            "Behaviour",
            (Param("pages", "Pages", "int", maximum=100_000), DAYS),
            compilers.page_views,
            lambda p, c: f"viewed at least {p['pages']} pages{wording.within(p)}",
        ),
        RuleType(
            "time_on_site",
            "Spent at least … minutes on the site",
            "Behaviour",
            (Param("minutes", "Minutes", "int", maximum=100_000), DAYS),
            compilers.time_on_site,
            lambda p, c: f"spent at least {p['minutes']} minutes on the site{wording.within(p)}",
        ),
        RuleType(
            "cart_abandoned",
            "Abandoned a cart (no purchase since)",
            "Behaviour",
            (DAYS,),
            compilers.cart_abandoned,
            lambda p, c: f"abandoned a cart{wording.within(p)} and bought nothing since",
        ),
        RuleType(
            "attended_event",
            "Visited the booth at an event",
            "Behaviour",
            (Param("campaign", "Event", "campaign"), DAYS),
            compilers.campaign_kind(Kind.BOOTH_VISIT),
            lambda p, c: (
                f"visited the booth at {wording.campaign_name(c, p['campaign'])}{wording.within(p)}"
            ),
        ),
        RuleType(
            "entered_giveaway",
            "Entered a giveaway",
            "Behaviour",
            (Param("campaign", "Giveaway", "campaign"), DAYS),
            compilers.campaign_kind(Kind.GIVEAWAY_ENTRY),
            lambda p, c: f"entered {wording.campaign_name(c, p['campaign'])}{wording.within(p)}",
        ),
        RuleType(
            "downloaded_content",
            "Downloaded content",
            "Behaviour",
            (
                Param("content", "Content", "text", required=False, placeholder="*white paper*"),
                DAYS,
                Param("before_campaign", "Before the event", "campaign", required=False),
            ),
            compilers.downloaded,
            wording.describe_download,
        ),
        RuleType(
            "opened_email",
            "Opened an email",
            "Behaviour",
            (DAYS,),
            compilers.did_kind(Kind.EMAIL_OPENED),
            lambda p, c: f"opened an email{wording.within(p)}",
        ),
        RuleType(
            "clicked_email",
            "Clicked a link in an email",
            "Behaviour",
            (DAYS,),
            compilers.did_kind(Kind.EMAIL_CLICKED),
            lambda p, c: f"clicked a link in an email{wording.within(p)}",
        ),
        RuleType(
            "app_event",
            "Did an app event",
            "Behaviour",
            (EVENT_NAME, DAYS),
            compilers.app_event,
            lambda p, c: f"did app event “{p['name']}”{wording.within(p)}",
        ),
        RuleType(
            "not_app_event",
            "Did not do an app event",
            "Behaviour",
            (EVENT_NAME, DAYS),
            lambda p, c: ~compilers.app_event(p, c),
            lambda p, c: f"did not do app event “{p['name']}”{wording.within(p)}",
        ),
        RuleType(
            "country",
            "Country is one of",
            "Profile",
            (Param("countries", "Countries", "countries", placeholder="US, DE, United Kingdom"),),
            lambda p, c: Q(country__in=p["countries"]),
            lambda p, c: "in " + ", ".join(p["countries"]),
        ),
        RuleType(
            "region",
            "Region is one of",
            "Profile",
            (Param("regions", "Regions", "words", placeholder="CA, NY, Bavaria"),),
            lambda p, c: compilers.any_of("region__iexact", p["regions"]),
            lambda p, c: "in the region " + ", ".join(p["regions"]),
        ),
        RuleType(
            "title_contains",
            "Job title contains",
            "Profile",
            (Param("text", "Text", "text", placeholder="director"),),
            lambda p, c: Q(title__icontains=p["text"]),
            lambda p, c: f"title contains “{p['text']}”",
        ),
        RuleType(
            "stage",
            "Stage is one of",
            "Profile",
            (Param("stages", "Stages", "stages", choices=STAGES),),
            lambda p, c: Q(stage__in=p["stages"]),
            lambda p, c: "stage " + ", ".join(dict(STAGES)[s] for s in p["stages"]),
        ),
        RuleType(
            "owner",
            "Owner is one of",
            "Profile",
            (Param("owners", "Owners", "owners"),),
            lambda p, c: Q(owner_id__in=p["owners"]),
            wording.describe_owner,
        ),
        RuleType(
            "score",
            "Score between",
            "Profile",
            (
                Param("min", "From", "int", required=False, minimum=-1_000_000, maximum=10**6),
                Param("max", "To", "int", required=False, minimum=-1_000_000, maximum=10**6),
            ),
            compilers.score,
            wording.describe_score,
            drifts=True,  # scores decay with time
        ),
        RuleType(
            "last_purchase_before",
            "Last purchase more than … days ago",
            "Customer data",
            (Param("days", "Days", "int"),),
            compilers.last_purchase_before,
            lambda p, c: f"last bought more than {p['days']} days ago",
        ),
        RuleType(
            "bought_product",
            "Bought a product (but not an add-on)",
            "Customer data",
            (
                Param("product", "Product code", "text", placeholder="crm-pro"),
                Param("without", "But not", "text", required=False, placeholder="support-addon"),
            ),
            compilers.bought,
            wording.describe_bought,
        ),
        RuleType(
            "consent",
            "Consent",
            "Consent",
            (Param("consent", "Allows", "choice", choices=compilers.CONSENT_CHOICES),),
            compilers.consent,
            lambda p, c: dict(compilers.CONSENT_CHOICES)[p["consent"]],
        ),
    )
}


def type_of(rule: dict) -> RuleType | None:
    name = rule.get("type")
    return RULE_TYPES.get(name) if isinstance(name, str) else None
