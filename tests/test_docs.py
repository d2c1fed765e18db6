"""The README and docs/ hold together: every link and image points at a file that
exists (and a #section at a heading in it), every file of the code they name in
backticks exists, every page of docs/ is listed in its index, and the
architecture page answers the newcomer's questions with a file each. A file
moved or renamed without its docs fails here."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A path in the code: starts with one of the project's top-level folders.
CODE_PATH = re.compile(
    r"^(?:crm|followups|mailings|reports|config|templates|static|bench|tests|docs|\.ci)/[\w./-]*$"
)
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def _prose(page: Path) -> str:
    """The page without its fenced blocks (the code tree names files relative to
    their folder, and examples are not links)."""
    return FENCE.sub("", page.read_text())


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to
    hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in _prose(page).splitlines() if line.startswith("#")}


def _links(page: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(page)) if not re.match(r"^[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_and_images_point_at_what_exists(page):
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        heading_missing = anchor and linked.suffix == ".md" and anchor not in _anchors(linked)
        if not linked.exists() or heading_missing:
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to what is not there: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_named_files_of_the_code_exist(page):
    named = [span for span in CODE_SPAN.findall(_prose(page)) if CODE_PATH.match(span)]
    missing = [span for span in named if not (ROOT / span.rstrip("/")).exists()]
    assert not missing, f"{page.relative_to(ROOT)} names files that do not exist: {missing}"


def test_every_page_of_the_docs_is_in_its_index():
    listed = {target.partition("#")[0] for target in _links(DOCS / "README.md")}
    pages = {page.name for page in DOCS.glob("*.md")} - {"README.md"}
    assert pages <= listed, f"not in docs/README.md: {sorted(pages - listed)}"


def test_the_readme_is_short_and_leads_to_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 120
    for page in ("README", "architecture", "not-done", "benchmarks"):
        assert f"](docs/{page}.md)" in readme


QUESTIONS = (
    "frequency cap",
    "call outcome plan the next step",
    "booth row's phone normalised",
    "#10 window address positioned",
    "unsubscribe token checked",
    "audience rule become SQL",
)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_architecture_answers_each_question_with_its_file(question):
    """One table row a question, and in its next cell the one file to open."""
    rows = [
        line
        for line in (DOCS / "architecture.md").read_text().splitlines()
        if line.startswith("| Where") and question in line
    ]
    assert len(rows) == 1, f"one row should ask about the {question}"
    where = re.fullmatch(r"`([^`]+)`", rows[0].split("|")[2].strip())
    assert where, f"the row about the {question} names no file"
    assert (ROOT / where.group(1)).is_file()
