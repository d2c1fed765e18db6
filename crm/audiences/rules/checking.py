"""Checking a definition: every value normalised (whole numbers, ISO country codes,
known ids) or every problem reported, keyed by the field's path ("rules.1.days",
"rules.2.rules.0.campaign")."""

from collections.abc import Callable
from typing import Any

from crm.audiences.rules.base import (
    MATCHES,
    MAX_DEPTH,
    MAX_RULES,
    MAX_TEXT,
    DefinitionError,
    Param,
)
from crm.audiences.rules.catalogue import type_of
from crm.contact import country_code
from crm.models import Campaign, Interaction, User


def definition_clean(definition: Any) -> dict:
    """The definition with its values normalised (whole numbers, ISO country
    codes, known ids), or DefinitionError with every problem found."""
    return Checker(definition).clean()


class Checker:
    def __init__(self, definition: Any):
        self.definition = definition
        self.errors: dict[str, list[str]] = {}
        self.rule_count = 0
        ids = referenced_ids(definition)
        self.campaigns = Campaign.objects.in_bulk(ids["campaign"]) if ids["campaign"] else {}
        self.users = User.objects.in_bulk(ids["owners"]) if ids["owners"] else {}

    def clean(self) -> dict:
        if not isinstance(self.definition, dict):
            raise DefinitionError({"definition": ["The rules are not in the expected form."]})
        cleaned = self._group(self.definition, "", depth=1)
        if self.rule_count > MAX_RULES:
            self._error("rules", f"Use at most {MAX_RULES} rules.")
        if self.errors:
            raise DefinitionError(self.errors)
        return cleaned

    def _error(self, path: str, message: str) -> None:
        self.errors.setdefault(path or "definition", []).append(message)

    def _group(self, group: dict, prefix: str, depth: int) -> dict:
        match = group.get("match")
        if not isinstance(match, str) or match not in MATCHES:
            self._error(prefix + "match", "Choose “all” or “any”.")
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            self._error(prefix + "rules", "Add at least one rule.")
            rules = []
        cleaned = []
        for index, node in enumerate(rules):
            path = f"{prefix}rules.{index}"
            if isinstance(node, dict) and "rules" in node and "type" not in node:
                if depth >= MAX_DEPTH:
                    self._error(path, f"Groups nest at most {MAX_DEPTH} levels deep.")
                    continue
                cleaned.append(self._group(node, path + ".", depth + 1))
            else:
                cleaned.append(self._rule(node, path))
        return {"match": match, "rules": cleaned}

    def _rule(self, rule: Any, path: str) -> dict:
        self.rule_count += 1
        if not isinstance(rule, dict):
            self._error(path, "This rule is not in the expected form.")
            return {}
        rule_type = type_of(rule)
        if rule_type is None:
            given = rule.get("type")
            message = f"Unknown rule type “{given}”." if given else "Choose what the rule checks."
            self._error(f"{path}.type", message)
            return {}
        cleaned: dict[str, Any] = {"type": rule_type.name}
        for param in rule_type.params:
            value = self._param(param, rule.get(param.name), f"{path}.{param.name}")
            if value is not None:
                cleaned[param.name] = value
        self._cross_checks(cleaned, path)
        if rule.get("negate") is True:
            cleaned["negate"] = True
        return cleaned

    def _param(self, param: Param, value: Any, path: str) -> Any:
        if value in (None, "", []):
            if param.required:
                self._error(path, param.missing)
            return None
        try:
            return CLEANERS[param.kind](self, param, value)
        except ValueError as error:
            self._error(path, str(error))
            return None

    def _cross_checks(self, rule: dict, path: str) -> None:
        if rule["type"] == "score":
            low, high = rule.get("min"), rule.get("max")
            if low is None and high is None:
                self._error(f"{path}.min", "Give a lowest score, a highest or both.")
            elif low is not None and high is not None and low > high:
                self._error(f"{path}.max", "The highest score is below the lowest.")
        before = rule.get("before_campaign")
        if before and self.campaigns[before].starts_on is None:
            name = self.campaigns[before]
            self._error(f"{path}.before_campaign", f"{name} has no start date: give it one.")

    def _int(self, param: Param, value: Any) -> int:
        message = f"Give a whole number from {param.minimum:,} to {param.maximum:,}."
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        number = None if isinstance(value, bool | float) else _as_id(value)
        if number is None or not param.minimum <= number <= param.maximum:
            raise ValueError(message)
        return number

    def _text(self, param: Param, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("Give text.")
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"Use at most {MAX_TEXT} characters.")
        if not text:
            raise ValueError("Required.")
        return text

    def _event_name(self, param: Param, value: Any) -> str:
        """As crm.services.interaction_data_clean keeps an app event's name."""
        if not isinstance(value, str):
            raise ValueError("Give the app event's name as text.")
        name, limit = value.strip(), Interaction.APP_EVENT_NAME_MAX_LENGTH
        if not name:
            raise ValueError(param.missing)
        if len(name) > limit:
            raise ValueError(f"An app event's name has at most {limit} characters.")
        return name

    def _campaign(self, param: Param, value: Any) -> int:
        pk = _as_id(value)
        if pk is None or pk not in self.campaigns:
            raise ValueError(f"No such campaign (#{value}).")
        return pk

    def _owners(self, param: Param, value: Any) -> list[int]:
        ids = [_as_id(item) for item in _as_list(value)]
        unknown = [str(item) for item, pk in zip(_as_list(value), ids, strict=True) if pk is None]
        unknown += [str(pk) for pk in ids if pk is not None and pk not in self.users]
        if unknown:
            raise ValueError(f"No such user: #{', #'.join(unknown)}.")
        return sorted(set(ids))

    def _countries(self, param: Param, value: Any) -> list[str]:
        names = _words(value)
        codes = [country_code(name) for name in names]
        unknown = [name for name, code in zip(names, codes, strict=True) if not code]
        if unknown:
            raise ValueError(f"Not a country: {', '.join(unknown)}.")
        return sorted(set(codes))

    def _words(self, param: Param, value: Any) -> list[str]:
        words = _words(value)
        if not words:
            raise ValueError("Required.")
        return words

    def _choices(self, param: Param, value: Any) -> list[str]:
        allowed = dict(param.choices)
        chosen = [str(item) for item in _as_list(value)]
        wrong = [item for item in chosen if item not in allowed]
        if wrong or not chosen:
            raise ValueError(f"Choose from {', '.join(allowed.values())}.")
        return [key for key in allowed if key in chosen]

    def _choice(self, param: Param, value: Any) -> str:
        if not isinstance(value, str) or value not in dict(param.choices):
            raise ValueError(f"Choose one of: {', '.join(dict(param.choices).values())}.")
        return value


CLEANERS: dict[str, Callable[[Checker, Param, Any], Any]] = {
    "int": Checker._int,
    "text": Checker._text,
    "event_name": Checker._event_name,
    "campaign": Checker._campaign,
    "owners": Checker._owners,
    "countries": Checker._countries,
    "words": Checker._words,
    "stages": Checker._choices,
    "choice": Checker._choice,
}


def _as_id(value: Any) -> int | None:
    """A whole number within a database's bigint, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if abs(number) < 2**63 else None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _words(value: Any) -> list[str]:
    """A list, or text separated by commas, as a list of its non-empty words."""
    items = value.split(",") if isinstance(value, str) else _as_list(value)
    words = [str(item).strip() for item in items if str(item).strip()]
    if any(len(word) > MAX_TEXT for word in words):
        raise ValueError(f"Use at most {MAX_TEXT} characters each.")
    return words


def referenced_ids(definition: Any) -> dict[str, set[int]]:
    """Ids of campaigns and users the definition names, to load them in one query each."""
    found: dict[str, set[int]] = {"campaign": set(), "owners": set()}
    for rule in rules_in(definition):
        rule_type = type_of(rule)
        for param in rule_type.params if rule_type else ():
            if param.kind in found:
                ids = (_as_id(item) for item in _as_list(rule.get(param.name)))
                found[param.kind].update(pk for pk in ids if pk is not None)
    return found


def rules_in(node: Any, depth: int = 1):
    """Every rule in a (possibly invalid) definition."""
    children = node.get("rules") if isinstance(node, dict) else None
    if not isinstance(children, list) or depth > MAX_DEPTH + 1:
        return
    for child in children:
        if isinstance(child, dict) and "rules" in child and "type" not in child:
            yield from rules_in(child, depth + 1)
        elif isinstance(child, dict):
            yield child
