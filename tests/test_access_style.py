"""One access style: a view reaches an object through a scoped helper of its
app's selectors (`get_lead_for_user`, `get_audience_for_user`, …), which checks
who may see it and answers 403 or 404 itself, never through a bare
get_object_or_404 after a role check a view could forget. This reads the code."""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("crm", "followups", "mailings", "reports")
# Found through an object the caller already reached with a scoped helper.
SCOPED_BY_PARENT = {"get_audience_ad_link"}


def _modules():
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _lookups(tree: ast.Module):
    """(enclosing function, its first parameter) of every get_object_or_404 call."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        first = function.args.args[0].arg if function.args.args else ""
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "get_object_or_404":
                yield function.name, first


def test_objects_are_reached_through_scoped_helpers_only():
    wrong = []
    for path in _modules():
        for function, first in _lookups(ast.parse(path.read_text())):
            scoped = function.startswith("get_") and first in ("user", "manager")
            if path.name != "selectors.py" or not (scoped or function in SCOPED_BY_PARENT):
                wrong.append(f"{path.relative_to(settings.BASE_DIR)}: {function}({first}, …)")
    assert not wrong, "get_object_or_404 outside a scoped selector:\n" + "\n".join(wrong)


def test_the_check_finds_a_bare_lookup():
    bare = ast.parse("def run_detail(request, pk):\n    return get_object_or_404(Run, pk=pk)\n")
    assert list(_lookups(bare)) == [("run_detail", "request")]
