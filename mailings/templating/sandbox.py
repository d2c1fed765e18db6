"""The sandbox managers' templates compile and render in: cadence emails (a
variant's subject, HTML and text, which call-card emails start from too) and
letters.

A manager's template is a Django template, but not one of the site's. It compiles
in an Engine of its own: no loaders and no directories (there is nothing to
include or extend), no tag libraries to load, no context processors, debug off,
autoescaping on, and only the tags and filters allowed below, each of which works
on the values it is given and nothing else. Any other tag or filter is refused
by name, when the template is saved and again whenever it is compiled to send or
print: a template saved before these rules fails with the same message (the
email is marked failed, the print run says why) and never reaches outside.

When saving, template_problems also refuses a variable that is not a merge field
of the catalogue the editor's picker offers (mailings.email.rendering.EMAIL_MERGE_FIELDS,
mailings.letters.compose.LETTER_MERGE_FIELDS), so a typo ("lead.frist_name") is
found by the manager rather than by a lead reading "Dear ,". Rendering does not
repeat that check: an unknown name renders empty, as it always has.
"""

from collections.abc import Iterable, Iterator
from functools import lru_cache

from django.template import (
    Context,
    Engine,
    Library,
    Node,
    NodeList,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Lexer, Parser, TextNode, Variable, VariableNode
from django.template.defaulttags import (
    CommentNode,
    FilterNode,
    FirstOfNode,
    ForNode,
    IfNode,
    NowNode,
    SpacelessNode,
    TemplateLiteral,
    TemplateTagNode,
    VerbatimNode,
    WithNode,
)

# The tags a manager's template may use, and why each is harmless.
ALLOWED_TAGS = {
    "if": "words that depend on whether a merge field is filled in",
    "for": "a loop; its variables are known inside it",
    "with": "a merge field's value under a short name inside the block",
    "firstof": "the first merge field that is filled in",
    "now": "today's date or time, formatted; it reads only the clock",
    "filter": "allowed filters over a block of text",
    "spaceless": "removes whitespace between HTML tags",
    "comment": "notes that are not printed",
    "verbatim": "prints template syntax as text",
    "templatetag": "prints one piece of template syntax ({%, }}, ...) as text",
}
# Their inner and closing tags, which Django's own messages explain when misplaced.
TAG_PARTS = frozenset(
    {"elif", "else", "endif", "empty", "endfor", "endwith", "endfilter", "endspaceless"}
    | {"endcomment", "endverbatim"}
)
# Refused among Django's builtins, for the record (anything not allowed is refused):
# include, extends, block (read the site's own templates, with what they show);
# load (brings url, static, i18n and every other library); debug (prints the
# context and the server's Python path); csrf_token, url, querystring (the site's
# forms, routes and request); autoescape (would let a lead's data write markup);
# lorem (megabytes of text from one tag); cycle, resetcycle, ifchanged, regroup,
# widthratio (nothing in a merge field for them to work on).

# The filters a manager's template may use, grouped by what they are for.
ALLOWED_FILTERS = {
    # A fallback for an empty field: what the picker inserts.
    "default": "a fallback for an empty field",
    "default_if_none": "a fallback for a missing field",
    # Case and shape of a word or a paragraph.
    "upper": "capitals",
    "lower": "lower case",
    "title": "Title Case",
    "capfirst": "a capital first letter",
    "linebreaks": "paragraphs from line breaks",
    "linebreaksbr": "<br> from line breaks",
    "truncatechars": "at most so many characters",
    "truncatewords": "at most so many words",
    "wordwrap": "lines of at most so many characters",
    "striptags": "text without HTML tags",
    "cut": "a character removed",
    "escape": "HTML escaped",
    "force_escape": "HTML escaped, now",
    "urlencode": "a field inside a link's address",
    "yesno": "words for a yes, a no and a maybe",
    "pluralize": "a plural ending",
    # Dates ({{ today }}, {% now %}).
    "date": "a date in a format",
    "time": "a time in a format",
}
# Refused, for the record: safe, safeseq (a lead's data as markup); pprint,
# stringformat (Python's view of a value); json_script, escapejs (scripts);
# ljust, rjust, center, floatformat (a width or precision of millions: megabytes);
# dictsort, dictsortreversed (reach attributes by name); urlize, urlizetrunc (a
# lead's data turned into links); random, add, slice, join, first, last, length
# and the other list and number filters (no merge field is a list or a number).

ALWAYS_KNOWN = frozenset({"True", "False", "None"})  # the names every Django context has


class TemplateRefused(TemplateSyntaxError):
    """A tag or filter outside the sandbox. `part` names it ("{% include %}")."""

    def __init__(self, part: str, allowed: str):
        self.part, self.allowed = part, allowed
        super().__init__(self.explained("a template"))

    def explained(self, kind: str) -> str:
        return f"{self.part} is not allowed in {kind}: {self.allowed}"


def _tags_allowed() -> str:
    return "templates may only use merge fields and the tags " + _listed(ALLOWED_TAGS)


def _filters_allowed() -> str:
    return "templates may only use the filters " + _listed(ALLOWED_FILTERS)


def _listed(names: Iterable[str]) -> str:
    *most, last = names
    return f"{', '.join(most)} and {last}."


class SandboxParser(Parser):
    """Django's parser, refusing by name what the sandbox leaves out (instead of
    "Did you forget to register or load this tag?")."""

    def invalid_block_tag(self, token, command, parse_until=None):
        if command not in ALLOWED_TAGS and command not in TAG_PARTS:
            raise TemplateRefused(f"{{% {command} %}}", _tags_allowed())
        super().invalid_block_tag(token, command, parse_until)

    def find_filter(self, filter_name):
        if filter_name not in ALLOWED_FILTERS:
            raise TemplateRefused(f"The filter |{filter_name}", _filters_allowed())
        return super().find_filter(filter_name)


class SandboxTemplate(Template):
    """Django's Template, parsed by SandboxParser (Template names Parser itself)."""

    def compile_nodelist(self):
        parser = SandboxParser(
            Lexer(self.source).tokenize(),
            self.engine.template_libraries,
            self.engine.template_builtins,
            self.origin,
        )
        nodelist = parser.parse()
        self.extra_data = parser.extra_data
        return nodelist


class SandboxEngine(Engine):
    """An Engine whose templates are SandboxTemplates and whose builtins are the
    sandbox's library alone."""

    default_builtins = []  # not Django's tags and filters: only this module's `register`

    def from_string(self, template_code: str) -> SandboxTemplate:
        return SandboxTemplate(template_code, engine=self)


# The sandbox's one tag library, Django's own tags and filters by the names above.
register = Library()
register.tags.update({name: defaulttags.register.tags[name] for name in ALLOWED_TAGS})
register.filters.update({name: defaultfilters.register.filters[name] for name in ALLOWED_FILTERS})


@lru_cache(maxsize=1)
def sandbox_engine() -> SandboxEngine:
    return SandboxEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        context_processors=[],
        libraries={},
        builtins=[__name__],
        debug=False,
        autoescape=True,
        string_if_invalid="",
    )


@lru_cache(maxsize=512)
def sandboxed(source: str) -> SandboxTemplate:
    """The template compiled in the sandbox, once per source (an edited template
    compiles anew). Raises TemplateSyntaxError, TemplateRefused for a tag or
    filter outside the sandbox."""
    return sandbox_engine().from_string(source)


def template_render(source: str, fields: dict, *, autoescape: bool = True) -> str:
    """A manager's template filled in with `fields` (plain values). Autoescaped
    for HTML; not for a subject or a plain-text body."""
    # A copy: "{% now 'Y' as year %}" writes into the context's dict, and the
    # caller renders the subject and the body from the same fields.
    return sandboxed(source).render(Context(dict(fields), autoescape=autoescape))


def template_problems(source: str, *, fields: Iterable[str], kind: str) -> list[str]:
    """What stops `source` from being saved as `kind` ("a letter", "an email"),
    whose merge fields are `fields`; [] when nothing does."""
    try:
        template = sandboxed(source)
    except TemplateRefused as error:
        return [error.explained(kind)]
    except TemplateSyntaxError as error:
        return [f"The template does not compile: {error}"]
    known = list(fields)
    unknown = list(dict.fromkeys(unknown_fields(template.nodelist, frozenset(known))))
    if not unknown:
        return []
    word = "field" if len(unknown) == 1 else "fields"
    return [f"Unknown merge {word} {', '.join(unknown)}. Known fields: {', '.join(known)}."]


def unknown_fields(
    nodelist: NodeList, known: frozenset[str], local: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Each variable in `nodelist` that is neither a known field nor starts with a
    name a tag made (`local`: a loop's variables, a {% with %}'s names)."""
    for node in nodelist:
        yield from _unknown_in(node, known, local)
        if isinstance(node, FirstOfNode | NowNode) and node.asvar:
            local |= {node.asvar}  # "{% now 'Y' as year %}": known from there on


def _unknown_in(node: Node, known: frozenset[str], local: frozenset[str]) -> Iterator[str]:
    def unknown(expressions: Iterable[FilterExpression]) -> Iterator[str]:
        for expression in expressions:
            yield from _unknown_variables(expression, known, local)

    match node:
        case VariableNode():
            yield from unknown([node.filter_expression])
        case IfNode():
            for condition, nodelist in node.conditions_nodelists:
                yield from unknown(_condition_expressions(condition))
                yield from unknown_fields(nodelist, known, local)
        case ForNode():
            yield from unknown([node.sequence])
            inner = local | {*node.loopvars, "forloop"}
            yield from unknown_fields(node.nodelist_loop, known, inner)
            yield from unknown_fields(node.nodelist_empty or [], known, local)
        case WithNode():
            yield from unknown(node.extra_context.values())
            yield from unknown_fields(node.nodelist, known, local | set(node.extra_context))
        case FirstOfNode():
            yield from unknown(node.vars)
        case FilterNode():  # its value is the block ("var"); only the filters' arguments
            yield from _unknown_arguments(node.filter_expr, known, local)
            yield from unknown_fields(node.nodelist, known, local)
        case SpacelessNode():
            yield from unknown_fields(node.nodelist, known, local)
        case TextNode() | NowNode() | CommentNode() | VerbatimNode() | TemplateTagNode():
            pass
        case _:  # the sandbox's library compiles no other node
            raise TypeError(f"Unexpected node in a sandboxed template: {node!r}")


def _condition_expressions(condition) -> Iterator[FilterExpression]:
    """The expressions of an {% if %} condition: a tree of operators over literals
    (None for an {% else %})."""
    if isinstance(condition, TemplateLiteral):
        yield condition.value
    elif condition is not None:
        yield from _condition_expressions(condition.first)
        yield from _condition_expressions(condition.second)


def _unknown_variables(
    expression: FilterExpression, known: frozenset[str], local: frozenset[str]
) -> Iterator[str]:
    if isinstance(expression.var, Variable):
        yield from _unknown_variable(expression.var, known, local)
    yield from _unknown_arguments(expression, known, local)


def _unknown_arguments(
    expression: FilterExpression, known: frozenset[str], local: frozenset[str]
) -> Iterator[str]:
    for _filter, arguments in expression.filters:
        for is_variable, argument in arguments:
            if is_variable:
                yield from _unknown_variable(argument, known, local)


def _unknown_variable(variable: Variable, known: frozenset[str], local: frozenset[str]):
    if variable.lookups is None:  # a literal: "there", 3, _("Hi")
        return
    if variable.var in known or variable.lookups[0] in local | ALWAYS_KNOWN:
        return
    yield variable.var
