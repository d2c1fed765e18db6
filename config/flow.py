"""What follows from what: the work after an interaction, and the work that
falls due with time, each declared once, in order, here.

crm offers the mechanisms (crm/interaction_hooks.py, crm/periodic.py) but may
import nothing above it, while the steps belong to every app; config sits above
them all, so the lists live here and config.apps.FlowConfig, the last app in
INSTALLED_APPS, installs them from its ready(): by then every app's own ready()
has run (crm's lookups, the channels and sections registered), and no app's
order in INSTALLED_APPS decides what runs first.

INTERACTION_PIPELINE runs after interactions are recorded, in a background job
(crm.jobs.interactions_recorded, per row; an import's visits set-based, from
crm.imports.jobs.lead_import_recorded). Every PerInteraction step runs before
every PerBatch step (crm.interaction_hooks refuses another order), so the list
reads in the order things run.

PERIODIC_TASKS are queued by the scheduler pass (followups.scheduler.
scheduler_pass, every SCHEDULER_INTERVAL_SECONDS from `manage.py run_scheduler`),
through crm.periodic.enqueue_due, each when its interval has passed. A task's job
takes the time it was queued for, as an ISO string, and is safe to run twice or
late.
"""

import datetime as dt

from crm import services as crm_services
from crm.audiences import hooks as audience_hooks
from crm.audiences import jobs as audience_jobs
from crm.imports import jobs as import_jobs
from crm.interaction_hooks import PerBatch, PerInteraction
from crm.periodic import Task
from crm.referrals import services as referrals
from crm.retargeting import jobs as ad_jobs
from crm.scoring import jobs as scoring_jobs
from crm.scoring import services as scoring
from crm.tracking import jobs as tracking_jobs
from followups.cadences import services as cadence_services
from followups.cadences import triggers
from followups.services import touches_withdraw
from mailings.consent import hooks as mailing_hooks
from reports import jobs as reports_jobs

INTERACTION_PIPELINE = [
    # The stage first: a purchase makes a customer, a meeting qualifies. The
    # referral codes, the audiences' rules and the cadences read it.
    PerInteraction(crm_services.lead_progress_stage, batch=crm_services.leads_progress_stage),
    # An address on the suppression list stays unsubscribed, before the
    # audiences' consent rules read the lead's consent.
    PerInteraction(mailing_hooks.suppression_apply, batch=mailing_hooks.suppressions_apply),
    # Scores, once for the batch: the audiences' score rules and the cadences'
    # first calls (their priority bonus) read them.
    PerBatch(scoring.scores_after_interactions),
    # Purchasers who are customers now (the stage above) get their code.
    PerBatch(referrals.referral_codes_for_new_customers),
    # Audiences after the stage, consent and scores their rules read; who joins
    # is enrolled in the audience's cadences at once (followups.cadences.audiences).
    PerBatch(audience_hooks.audiences_apply),
    # Cadences last: exits and trigger enrolments, which read the fresh scores;
    # nothing above reads the enrolments and touches they write.
    PerBatch(triggers.cadences_apply, per_row=triggers.cadences_apply_per_row),
]

# Before interactions are deleted (an import undone): what was planned from them
# stops. The open touches first, then the enrolments they belong to.
INTERACTION_WITHDRAWN = [touches_withdraw, cadence_services.enrolments_withdraw]

PERIODIC_TASKS = [
    Task("scores_decay", scoring_jobs.scores_decay, every=dt.timedelta(hours=1)),
    Task("carts_abandon", tracking_jobs.carts_abandon, every=dt.timedelta(minutes=1)),
    Task("lead_imports_reap", import_jobs.lead_imports_reap, every=dt.timedelta(minutes=1)),
    Task("audiences_refresh", audience_jobs.audiences_refresh, every=dt.timedelta(minutes=15)),
    Task("ad_syncs_due", ad_jobs.ad_syncs_due, every=dt.timedelta(minutes=5)),
    Task("rollups_compact", reports_jobs.rollups_compact, every=reports_jobs.COMPACT_EVERY),
]
