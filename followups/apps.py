from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from crm import interaction_hooks, timeline
        from followups import lookups, rules, selectors  # noqa: F401 (lookups registers __any)
        from followups.calling_hours import forget_holidays
        from followups.models import Holiday

        interaction_hooks.register(rules.rules_apply)
        timeline.register_upcoming(selectors.upcoming_items)
        for signal in (post_save, post_delete):
            signal.connect(forget_holidays, sender=Holiday)
