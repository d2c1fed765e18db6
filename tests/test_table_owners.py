"""One table, one writer: lead fields are written by crm, touch status by followups.

Other apps ask the owner's services (crm.services.lead_owner_claim,
leads_owner_set, lead_stage_advance, lead_email_consent_set, ...;
followups.services.touches_skip, touches_complete, touch_hold, ...). This reads
the code of every app with Python's ast and lists each write that goes around
them. Touches are still created by mailings' drips and print runs (planning,
which the cadences replace); what is checked for touches is their status.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("crm", "followups", "mailings", "reports")
LEAD_WRITES = {
    "update",
    "bulk_update",
    "bulk_create",
    "create",
    "get_or_create",
    "update_or_create",
    "delete",
}
TOUCH_STATUS_WRITES = {"update", "bulk_update"}
# model -> (the app that owns its writes, the manager methods that write)
OWNED = {"Lead": ("crm", LEAD_WRITES), "Touch": ("followups", TOUCH_STATUS_WRITES)}


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def model_of(node: ast.AST) -> str:
    """ "Lead" for Lead.objects.filter(...).update(...): the model whose manager the
    call chain starts from, or ""."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return node.value.id if isinstance(node.value, ast.Name) else ""
        node = node.func if isinstance(node, ast.Call) else node.value
    return ""


def writes_around_the_owner(app: str, source: str, where: str) -> list[str]:
    """Each write in `source` (code of `app`) to a table another app owns."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        model = model_of(node.func.value)
        if model in OWNED:
            owner, methods = OWNED[model]
            if app != owner and node.func.attr in methods:
                found.append(f"{where}:{node.lineno} {model}.{node.func.attr}")
        elif node.func.attr == "save" and _is_a_lead(node.func.value) and app != "crm":
            found.append(f"{where}:{node.lineno} lead.save")
    return found


def _is_a_lead(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "lead") or (
        isinstance(node, ast.Attribute) and node.attr == "lead"
    )


def test_leads_and_touch_status_are_written_only_by_their_owners():
    found = [
        line
        for app, path in app_modules()
        for line in writes_around_the_owner(
            app, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]

    assert found == []


@pytest.mark.parametrize(
    ("app", "code", "expected"),
    [
        ("followups", "Lead.objects.filter(pk=1).update(stage='x')", ["Lead.update"]),
        ("mailings", "Touch.objects.filter(pk__in=ids).update(status='done')", ["Touch.update"]),
        ("mailings", "lead.save(update_fields=['email_consent'])", ["lead.save"]),
        ("crm", "Lead.objects.filter(pk=1).update(stage='x')", []),
        ("followups", "Touch.objects.filter(pk=1).update(status='done')", []),
        ("mailings", "Touch.objects.select_for_update().filter(pk=1)", []),
    ],
)
def test_the_check_finds_a_write_around_the_owner(app, code, expected):
    found = writes_around_the_owner(app, code, "probe.py")

    assert [line.split()[-1] for line in found] == expected
