from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        # What follows an interaction and what falls due with time are declared
        # in config/flow.py, installed by config.apps.FlowConfig.
        from crm import (
            folding,
            lookups,  # noqa: F401 (registers field__any)
            sections,
        )
        from crm.audit import selectors as audit
        from crm.audit import services as audit_services

        folding.connect()
        sections.register(
            "crm/audit/lead_history.html", audit.lead_history_section, place=sections.CONTACT
        )

        from django.db.models.signals import post_save

        from crm.audiences import hooks as audience_hooks
        from crm.models import Lead

        post_save.connect(audience_hooks.lead_saved, sender=Lead, dispatch_uid="audiences")

        # Ad audiences follow their audiences, and a member's consent.
        from crm.audiences.services import register_members_changed
        from crm.retargeting import hooks as ad_hooks
        from crm.retargeting.services import ad_links_sync_for_audience

        register_members_changed(ad_links_sync_for_audience)
        post_save.connect(ad_hooks.lead_saved, sender=Lead, dispatch_uid="ad_audiences")

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
