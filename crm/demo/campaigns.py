"""The demo campaigns: what each is (kind, country, dates), how many of the
leads it brings and when they arrive, and the Campaign rows made from them."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crm.models import Campaign

DAY = 86400
HISTORY_DAYS = 180


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    kind: str
    country: str
    dates: tuple[int, int | None] | None  # (starts, ends) in days before the anchor
    window: tuple[int, int]  # leads arrive between these many days before the anchor
    weight: int


CAMPAIGN_SPECS = (
    CampaignSpec("Expo {year} booth", Campaign.Kind.EVENT, "US", (75, 73), (75, 72), 18),
    CampaignSpec("Expo Europe {year} booth", Campaign.Kind.EVENT, "DE", (40, 39), (40, 38), 10),
    CampaignSpec(
        "Win a year of Pro giveaway", Campaign.Kind.GIVEAWAY, "", (120, 90), (120, 90), 12
    ),
    CampaignSpec(
        "Webinar: Follow-ups that close", Campaign.Kind.WEBINAR, "", (21, 21), (35, 21), 10
    ),
    CampaignSpec(
        "White paper: The remarketing playbook",
        Campaign.Kind.CONTENT,
        "",
        (180, None),
        (180, 0),
        20,
    ),
    CampaignSpec("Website", Campaign.Kind.WEBSITE, "", None, (HISTORY_DAYS, 0), 30),
)


def demo_campaigns(anchor: datetime) -> list[tuple[CampaignSpec, Campaign]]:
    today = anchor.date()
    campaigns = []
    for spec in CAMPAIGN_SPECS:
        starts_on, ends_on = _campaign_dates(spec, today)
        campaign, _ = Campaign.objects.get_or_create(
            name=spec.name.format(year=(starts_on or today).year),
            kind=spec.kind,
            defaults={"starts_on": starts_on, "ends_on": ends_on, "country": spec.country},
        )
        campaigns.append((spec, campaign))
    return campaigns


def _campaign_dates(spec: CampaignSpec, today: date) -> tuple[date | None, date | None]:
    if spec.dates is None:
        return None, None
    starts, ends = spec.dates
    return today - timedelta(days=starts), None if ends is None else today - timedelta(days=ends)
