"""A letter template's own CSS, confined to that template's letter bodies.

All letters of a print run share one <style> in the document head, so each distinct
template stylesheet appears there once, its selectors prefixed with a class that
only the bodies of that template's letters carry. At-rules other than @media are
dropped: @import and @font-face would load resources, and @page would move the
address away from the envelope window.
"""

import re

import tinycss2

# "body", "html" and ":root" in a template's CSS mean its letter body.
_ROOT_SELECTOR = re.compile(r"^(?:html|body|:root)(?=$|[\s>+~])\s*")


def scope_css(css: str, scope: str) -> str:
    """`css` with every rule applying only inside elements of class `scope`."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    scoped = "\n".join(filter(None, (_scope_rule(rule, scope) for rule in rules)))
    # Inside <style>, "</" could close the element; "<\/" means the same to CSS.
    return scoped.replace("</", "<\\/")


def _scope_rule(rule, scope: str) -> str:
    if rule.type == "qualified-rule":
        selectors = ", ".join(_scope_selector(s, scope) for s in _split_selectors(rule.prelude))
        return f"{selectors} {{{tinycss2.serialize(rule.content)}}}"
    if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
        inner = scope_css(tinycss2.serialize(rule.content), scope)
        return f"@media {tinycss2.serialize(rule.prelude).strip()} {{{inner}}}"
    return ""


def _split_selectors(prelude: list) -> list[str]:
    """Split a selector list at its top-level commas (not those inside :is(...))."""
    selectors: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    return [tinycss2.serialize(tokens).strip() for tokens in selectors]


def _scope_selector(selector: str, scope: str) -> str:
    while _ROOT_SELECTOR.match(selector):
        selector = _ROOT_SELECTOR.sub("", selector, count=1)
    return f".{scope} {selector}" if selector else f".{scope}"
