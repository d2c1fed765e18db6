"""What the lead page shows beside past interactions, from apps above crm.

crm imports neither followups nor mailings; they register a provider here
(from AppConfig.ready) that returns a lead's upcoming items, each a dict with
"when", "what", "detail" and "who".
"""

from collections.abc import Callable

from crm.models import Lead

UpcomingProvider = Callable[[Lead], list[dict]]

_providers: list[UpcomingProvider] = []


def register_upcoming(provider: UpcomingProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def upcoming_for(lead: Lead) -> list[dict]:
    items = [item for provider in _providers for item in provider(lead)]
    return sorted(items, key=lambda item: item["when"])
