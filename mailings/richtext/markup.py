"""What in an HTML body the rich-text editor cannot keep.

Trix keeps paragraphs, line breaks, bold, italic, strikethrough, links, one level
of heading, quotes, code blocks and lists; anything else it drops when it loads the
HTML (a table's cells become text, a style or class attribute goes). A body with
such markup opens in raw HTML mode instead, saying why, so nothing is lost
without the manager knowing.
"""

import re
from html.parser import HTMLParser

KEPT_TAGS = {
    "p", "div", "span", "br", "strong", "b", "em", "i", "del", "s", "strike",
    "a", "h1", "blockquote", "pre", "ul", "ol", "li",
}  # fmt: skip
KEPT_ATTRIBUTES = {"a": {"href"}}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
# The editor writes text as HTML, so these would come back as &lt; &gt; &amp;.
ESCAPED_IN_TEXT = re.compile(r"[<>&]")
SHOWN_PROBLEMS = 4


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: dict[str, None] = {}  # in the order found, once each
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        if tag not in VOID_TAGS:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if tag not in KEPT_TAGS:
            self.problems[f"<{tag}>"] = None
        for name, _value in attrs:
            if "{" in name:
                self.problems["template tags inside an HTML tag"] = None
            elif name not in KEPT_ATTRIBUTES.get(tag, ()):
                self.problems[f"{name} attributes"] = None

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS:
            self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        # The editor would put them in paragraphs of their own.
        if self.depth == 0 and "{%" in data:
            self.problems["template tags between paragraphs"] = None

    def handle_comment(self, data):
        self.problems["HTML comments"] = None

    def handle_decl(self, decl):
        self.problems[f"<!{decl.split()[0].lower()}>"] = None

    def unknown_decl(self, data):
        self.problems["<![…]> sections"] = None


def markup_problems(html: str) -> list[str]:
    """What the editor would drop or change in `html`, e.g. ["<table>", "style attributes"]."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    if any(ESCAPED_IN_TEXT.search(tag) for tag in TEMPLATE_TAG.findall(html)):
        parser.problems["template tags with <, > or &"] = None
    return list(parser.problems)


def raw_reason(html: str) -> str:
    """Why `html` opens as raw HTML, or "" when the editor keeps all of it."""
    problems = markup_problems(html)
    if not problems:
        return ""
    shown = problems[:SHOWN_PROBLEMS] + (["more"] if len(problems) > SHOWN_PROBLEMS else [])
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return (
        f"Shown as raw HTML: it has {listed}, which the editor would drop or change. "
        "Edit the HTML here, or switch to the editor and lose them."
    )
