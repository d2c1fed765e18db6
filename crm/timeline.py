"""What the lead page shows beside past interactions, from apps above crm.

crm imports neither followups nor mailings; they register a provider here
(from AppConfig.ready) that returns a lead's upcoming items, each a dict with
"when", "what", "detail" and "who".
"""

from collections.abc import Callable

from django.db.models import Expression

from crm.models import Lead

UpcomingProvider = Callable[[Lead], list[dict]]

_providers: list[UpcomingProvider] = []


def register_upcoming(provider: UpcomingProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def upcoming_for(lead: Lead) -> list[dict]:
    items = [item for provider in _providers for item in provider(lead)]
    return sorted(items, key=lambda item: item["when"])


# The due time of a lead's next touch, for the lead list's column and sort: an
# expression on an outer lead query (OuterRef("pk")), from followups, which owns
# touches. None while no app registered one.
NextTouchDue = Callable[[], Expression]

_next_touch_due: list[NextTouchDue] = []


def register_next_touch_due(expression: NextTouchDue) -> None:
    _next_touch_due[:] = [expression]


def next_touch_due() -> Expression | None:
    return _next_touch_due[0]() if _next_touch_due else None
