from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        import datetime as dt

        from crm import (
            folding,
            interaction_hooks,
            lookups,  # noqa: F401 (registers field__any)
            periodic,
            sections,
            services,
        )
        from crm.audit import selectors as audit
        from crm.audit import services as audit_services
        from crm.referrals import services as referrals
        from crm.scoring import services as scoring

        folding.connect()
        sections.register(
            "crm/audit/lead_history.html", audit.lead_history_section, place=sections.CONTACT
        )

        interaction_hooks.register(
            services.lead_progress_stage, batch=services.leads_progress_stage
        )
        interaction_hooks.register_batch(scoring.scores_after_interactions)
        interaction_hooks.register_batch(referrals.referral_codes_for_new_customers)
        periodic.register(
            "scores_decay", "crm.scoring.jobs.scores_decay", every=dt.timedelta(hours=1)
        )
        periodic.register(
            "carts_abandon", "crm.tracking.jobs.carts_abandon", every=dt.timedelta(minutes=1)
        )
        periodic.register(
            "lead_imports_reap", "crm.imports.jobs.lead_imports_reap", every=dt.timedelta(minutes=1)
        )

        # Audiences last: their batch hook reads the stages and scores set above.
        from django.db.models.signals import post_save

        from crm.audiences import hooks as audience_hooks
        from crm.models import Lead

        interaction_hooks.register_batch(audience_hooks.audiences_apply)
        post_save.connect(audience_hooks.lead_saved, sender=Lead, dispatch_uid="audiences")
        periodic.register(
            "audiences_refresh",
            "crm.audiences.jobs.audiences_refresh",
            every=dt.timedelta(minutes=15),
        )

        # Ad audiences follow their audiences, and a member's consent.
        from crm.audiences.services import register_members_changed
        from crm.retargeting import hooks as ad_hooks
        from crm.retargeting.services import ad_links_sync_for_audience

        register_members_changed(ad_links_sync_for_audience)
        post_save.connect(ad_hooks.lead_saved, sender=Lead, dispatch_uid="ad_audiences")
        periodic.register(
            "ad_syncs_due", "crm.retargeting.jobs.ad_syncs_due", every=dt.timedelta(minutes=5)
        )

        from crm.api import api
        from crm.tracking.api import router as tracking_router

        api.add_router("", tracking_router)

        from crm.privacy import registry as privacy
        from crm.privacy.api import router as privacy_router
        from crm.privacy.selectors import crm_export, lead_erasure_section
        from crm.privacy.services import crm_erase

        privacy.register(name="crm", models=privacy.CRM_MODELS, export=crm_export, erase=crm_erase)
        privacy.register(
            name="audit history",
            models=["crm.AuditEntry"],
            export=audit.lead_history_privacy_export,
            erase=audit_services.lead_history_privacy_erase,
        )
        sections.register(
            "crm/privacy/lead_section.html", lead_erasure_section, place=sections.CONTACT
        )
        api.add_router("", privacy_router)
