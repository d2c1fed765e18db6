"""Reads for the manager's dashboard: one selector per section, each taking a
DashboardFilter and answering with aggregate queries only (a bounded number,
whatever the number of leads or interactions)."""

from dataclasses import dataclass

from crm.referrals import ReferralSummary
from reports.selectors import channels, drips, funnels, letters, referred, reps
from reports.selectors.channels import ChannelTouches, channel_touches
from reports.selectors.common import DashboardFilter
from reports.selectors.drips import DripRow, drip_performance
from reports.selectors.funnels import Funnel, funnel
from reports.selectors.letters import PrintRunsMailed, print_runs_mailed
from reports.selectors.referred import referrals
from reports.selectors.reps import RepActivity, rep_activity

__all__ = [
    "DEFINITIONS",
    "SECTIONS",
    "Dashboard",
    "DashboardFilter",
    "channel_touches",
    "dashboard",
    "drip_performance",
    "funnel",
    "print_runs_mailed",
    "referrals",
    "rep_activity",
]

# Section name (also its CSV's name) -> selector, in page order.
SECTIONS = {
    "funnel": funnel,
    "channels": channel_touches,
    "reps": rep_activity,
    "drips": drip_performance,
    "letters": print_runs_mailed,
    "referrals": referrals,
}

# Section -> measure -> what it counts, in words (on the page, beside the numbers).
DEFINITIONS = {
    "funnel": funnels.DEFINITIONS,
    "channels": channels.DEFINITIONS,
    "reps": reps.DEFINITIONS,
    "drips": drips.DEFINITIONS,
    "letters": letters.DEFINITIONS,
    "referrals": referred.DEFINITIONS,
}


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilter
    funnel: Funnel
    channels: ChannelTouches
    reps: RepActivity
    drips: list[DripRow]
    letters: PrintRunsMailed
    referrals: ReferralSummary


def dashboard(filters: DashboardFilter) -> Dashboard:
    """Every section for the same filters."""
    return Dashboard(filters, **{name: selector(filters) for name, selector in SECTIONS.items()})
