"""Sections of the lead page that apps above crm add (followups: the lead's
cadences, and a warning outside calling hours). crm imports neither; they
register a section here from AppConfig.ready: a template, a function of the lead
and the user viewing it that returns the template's context (its `section`
variable), and its place: the main column, or beside the contact details."""

from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Lead, User

SectionContext = Callable[[Lead, User], dict]
MAIN, CONTACT = "main", "contact"  # the places on the lead page


@dataclass(frozen=True)
class Section:
    template: str
    context: SectionContext
    place: str = MAIN


@dataclass(frozen=True)
class RenderedSection:
    template: str
    data: dict
    place: str = MAIN


_sections: list[Section] = []


def register(template: str, context: SectionContext, *, place: str = MAIN) -> None:
    section = Section(template, context, place)
    if section not in _sections:
        _sections.append(section)


def sections_for(lead: Lead, user: User) -> list[RenderedSection]:
    return [RenderedSection(s.template, s.context(lead, user), s.place) for s in _sections]
