"""A letter template's CSS reaches its own letter bodies and nothing else."""

from mailings.letters.pdf import Letter, letters_html
from mailings.letters.scoping import scope_css


def test_selectors_are_confined_to_the_template_class():
    css = "p, :is(h1, h2) > em { color: red } body { font-size: 12pt } html body .x { margin: 0 }"

    assert scope_css(css, "tpl-1").splitlines() == [
        ".tpl-1 p, .tpl-1 :is(h1, h2) > em { color: red }",
        ".tpl-1 { font-size: 12pt }",
        ".tpl-1 .x { margin: 0 }",
    ]


def test_rules_that_load_files_or_move_the_page_are_dropped():
    css = (
        "@import url(file:///etc/passwd);\n"
        "@font-face { font-family: x; src: url(http://169.254.169.254/) }\n"
        "@page { margin: 0 }\n"
        "@media print { p { color: blue } }"
    )

    assert scope_css(css, "tpl-1") == "@media print {.tpl-1 p { color: blue }}"


def test_template_css_cannot_close_the_style_element():
    css = 'p::after { content: "</style><img src=x>" }'
    letter = Letter(["Jane Public", "1 Main St", "SPRINGFIELD IL 62701"], "<p>Hi</p>", css)

    html = letters_html([letter], paper="letter", sender=[])

    assert "</style><img" not in html
    assert html.count("</style>") == 1
