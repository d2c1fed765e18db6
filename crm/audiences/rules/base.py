"""What a rule is: its parameters, what compiling and describing it needs, and the
error a definition that does not check out raises."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from crm.models import Campaign, User

MATCHES = {"all": "All of", "any": "Any of"}
MAX_DEPTH = 3
MAX_RULES = 50
MAX_DAYS = 3650
MAX_TEXT = 200


class DefinitionError(Exception):
    """The definition is not valid; `errors` maps a field's path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str  # int, text, event_name, campaign, stages, owners, countries, words, choice
    required: bool = True
    missing: str = "Required."  # the message when a required value is not given
    minimum: int = 1
    maximum: int = MAX_DAYS
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Context:
    """What compiling and describing need besides the definition. The counting
    rules (pages, time on site) aggregate the whole window's visits unless only
    some leads matter: lead_ids (a re-evaluation for a few leads), or per_lead
    (the Q is checked for one outer lead at a time, correlated)."""

    now: dt.datetime
    campaigns: dict[int, Campaign]
    users: dict[int, User]
    lead_ids: list[int] | None = None
    per_lead: bool = False


Compiler = Callable[[dict, Context], Q]


@dataclass(frozen=True)
class RuleType:
    name: str
    label: str
    section: str
    params: tuple[Param, ...]
    compile: Compiler
    describe: Callable[[dict, Context], str]
    drifts: bool = False  # its members change as time passes, even with "days" unset


DAYS = Param("days", "In the last … days", "int", required=False, placeholder="any time")
