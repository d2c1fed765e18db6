from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from crm import sections, timeline
        from crm.api import api
        from crm.audiences.services import register_members_changed
        from crm.models import Lead
        from crm.scoring.services import register_follower
        from followups import channels, priorities, selectors
        from followups.cadences import ads, audiences, triggers
        from followups.cadences import views as cadence_views
        from followups.cadences.api import router as cadences_router
        from followups.cadences.models import Channel
        from followups.cadences.services import register_ended
        from followups.calling_hours import forget_calling_hours, forget_holidays
        from followups.models import CallingHours, Holiday

        # The cadences' interaction hooks are in config/flow.py's pipeline.
        register_members_changed(audiences.audience_cadences_sync)
        register_follower(lock=priorities.open_calls_lock, follow=priorities.call_priorities_follow)
        timeline.register_upcoming(selectors.upcoming_items)
        timeline.register_next_touch_due(selectors.lead_next_touch_due)
        sections.register("followups/cadences/lead_section.html", cadence_views.lead_section)
        sections.register(
            "followups/partials/outside_hours.html",
            selectors.lead_calling_hours_section,
            place=sections.CONTACT,
        )
        api.add_router("", cadences_router)
        # Ads steps: followups delivers them itself, through crm.retargeting.
        channels.register(Channel.ADS, ads.ads_steps_deliver, batch_size=ads.BATCH_SIZE)
        channels.register_check(Channel.ADS, ads.ads_check, many=ads.ads_checks)
        register_ended(ads.ad_runs_end)
        for signal in (post_save, post_delete):
            signal.connect(forget_holidays, sender=Holiday)
            signal.connect(forget_calling_hours, sender=CallingHours)
        post_save.connect(triggers.lead_flags_saved, sender=Lead)

        from crm.privacy import registry as privacy
        from followups import privacy as followups_privacy

        privacy.register(
            name="followups",
            models=followups_privacy.MODELS,
            export=followups_privacy.followups_export,
            erase=followups_privacy.followups_erase,
        )
