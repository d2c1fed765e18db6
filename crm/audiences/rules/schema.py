"""The rule types and their choices, as the audience builder's script reads them."""

from crm.audiences.rules.base import MATCHES
from crm.audiences.rules.catalogue import RULE_TYPES
from crm.models import Campaign
from crm.selectors import reps


def rule_schema() -> dict:
    """The rule types and their choices, for the builder's script."""
    return {
        "matches": MATCHES,
        "types": [
            {
                "type": rule.name,
                "label": rule.label,
                "section": rule.section,
                "params": [
                    {
                        "name": param.name,
                        "label": param.label,
                        "kind": param.kind,
                        "required": param.required,
                        "placeholder": param.placeholder,
                        "choices": list(param.choices),
                        "min": param.minimum if param.kind == "int" else None,
                        "max": param.maximum if param.kind == "int" else None,
                    }
                    for param in rule.params
                ],
            }
            for rule in RULE_TYPES.values()
        ],
        "campaigns": [
            [campaign.pk, str(campaign)] for campaign in Campaign.objects.order_by("name")
        ],
        "owners": [[user.pk, user.display_name] for user in reps()],
    }
