from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from crm import interaction_hooks, timeline
        from followups import lookups, rules, selectors  # noqa: F401 (lookups registers __any)

        interaction_hooks.register(rules.rules_apply)
        timeline.register_upcoming(selectors.upcoming_items)
