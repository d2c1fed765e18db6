"""The manager's lead-scoring page at /settings/scoring/: the rules with what an
interaction is worth as it ages, how the scores are spread, the top leads; and
adding, changing and deleting a rule (each rescores the leads it touches)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crm.roles import require_manager
from crm.scoring import selectors, services
from crm.scoring.forms import ScoringRuleForm
from crm.scoring.models import ScoringRule
from crm.selectors import leads_visible_to

PAGES = "Lead scoring settings"
TOP_LEADS = 10
RESCORING = "The scores of the leads concerned are being recomputed."


@login_required
@require_GET
def scoring_rule_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    leads = leads_visible_to(request.user)
    context = {
        "rows": selectors.scoring_rule_rows(),
        "ages": selectors.WORTH_AGES_DAYS,
        "spread": selectors.score_spread(leads),
        "top_leads": selectors.top_scored_leads(leads, size=TOP_LEADS),
    }
    return render(request, "crm/scoring/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _rule_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _rule_form(request, selectors.get_scoring_rule_for_user(request.user, pk))


def _rule_form(request: HttpRequest, rule: ScoringRule | None) -> HttpResponse:
    # Named before the service runs: a save that fails leaves the new kind on `rule`.
    title = f"Scoring rule: {selectors.kind_label(rule.kind)}" if rule else "New scoring rule"
    if request.method == "GET":
        form = ScoringRuleForm(initial=_initial(request, rule))
        return _render_form(request, form, rule, title)
    form = ScoringRuleForm(request.POST)
    if form.is_valid():
        try:
            saved = services.scoring_rule_save(rule=rule, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            label = selectors.kind_label(saved.kind)
            messages.success(request, f"Saved the rule for {label}. {RESCORING}")
            return redirect("scoring:list")
    return _render_form(request, form, rule, title, status=400)


def _initial(request: HttpRequest, rule: ScoringRule | None) -> dict:
    """The rule's values, or for a new one the kind the list's "Add a rule" chose."""
    if rule:
        return {
            "kind": rule.kind,
            "points": rule.points,
            "half_life_days": rule.half_life_days,
            "is_active": rule.is_active,
        }
    return {"kind": request.GET.get("kind", ""), "half_life_days": 30, "is_active": True}


def _render_form(request, form, rule, title, *, status=200) -> HttpResponse:
    context = {"form": form, "rule": rule, "title": title}
    return render(request, "crm/scoring/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes."""
    require_manager(request.user, PAGES)
    rule = selectors.get_scoring_rule_for_user(request.user, pk)
    label = selectors.kind_label(rule.kind)
    if request.method == "GET":
        return render(request, "crm/scoring/delete.html", {"rule": rule, "label": label})
    services.scoring_rule_delete(rule=rule)
    messages.success(request, f"Deleted the rule for {label}: it scores nothing now. {RESCORING}")
    return redirect("scoring:list")
