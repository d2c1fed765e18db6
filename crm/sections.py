"""Sections of the lead page that apps above crm add (followups: the lead's
cadences). crm imports neither; they register a section here from
AppConfig.ready: a template, and a function of the lead and the user viewing
it that returns the template's context (its `section` variable)."""

from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Lead, User

SectionContext = Callable[[Lead, User], dict]


@dataclass(frozen=True)
class Section:
    template: str
    context: SectionContext


@dataclass(frozen=True)
class RenderedSection:
    template: str
    data: dict


_sections: list[Section] = []


def register(template: str, context: SectionContext) -> None:
    section = Section(template, context)
    if section not in _sections:
        _sections.append(section)


def sections_for(lead: Lead, user: User) -> list[RenderedSection]:
    return [RenderedSection(s.template, s.context(lead, user)) for s in _sections]
