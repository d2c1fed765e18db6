"""Reads for the manager's dashboard: one selector per section, each taking a
DashboardFilter and answering with aggregate queries only (a bounded number,
whatever the number of leads or interactions)."""

from dataclasses import dataclass

from crm.referrals.selectors import ReferralSummary
from reports.selectors import cadences, channels, funnels, letters, referred, reps
from reports.selectors.cadences import CadenceRow, cadence_performance
from reports.selectors.channels import ChannelTouches, channel_touches
from reports.selectors.common import DashboardFilter
from reports.selectors.funnels import Funnel, funnel
from reports.selectors.letters import PrintRunsMailed, print_runs_mailed
from reports.selectors.referred import referrals
from reports.selectors.reps import RepActivity, rep_activity

__all__ = [
    "DEFINITIONS",
    "SECTIONS",
    "Dashboard",
    "DashboardFilter",
    "cadence_performance",
    "channel_touches",
    "dashboard",
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
    "cadences": cadence_performance,
    "letters": print_runs_mailed,
    "referrals": referrals,
}

# Section -> measure -> what it counts, in words (on the page, beside the numbers).
DEFINITIONS = {
    "funnel": funnels.DEFINITIONS,
    "channels": channels.DEFINITIONS,
    "reps": reps.DEFINITIONS,
    "cadences": cadences.DEFINITIONS,
    "letters": letters.DEFINITIONS,
    "referrals": referred.DEFINITIONS,
}


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilter
    funnel: Funnel
    channels: ChannelTouches
    reps: RepActivity
    cadences: list[CadenceRow]
    letters: PrintRunsMailed
    referrals: ReferralSummary


def dashboard(filters: DashboardFilter) -> Dashboard:
    """Every section for the same filters."""
    return Dashboard(filters, **{name: selector(filters) for name, selector in SECTIONS.items()})
