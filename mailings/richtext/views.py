"""The editor's check: the plain text the server makes from the HTML as typed (the
text a drip email gets when nobody writes one), and whether the editor can keep
that HTML. The editor asks as the manager types and before leaving raw mode."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from crm.roles import require_manager
from mailings.email.plaintext import html_to_text
from mailings.richtext.forms import HtmlCheckForm
from mailings.richtext.markup import raw_reason


@login_required
@require_POST
def check(request: HttpRequest) -> JsonResponse:
    require_manager(request.user, "The editor's checks")
    form = HtmlCheckForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    html = form.cleaned_data["html"]
    return JsonResponse({"text": html_to_text(html), "raw_reason": raw_reason(html)})
