"""Deactivating someone from the users page: GET says what they have and asks to
whom it goes; POST hands it over and deactivates them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm.roles import require_manager
from crm.users.selectors import get_user_for_manager
from followups.handover import selectors, services
from followups.handover.forms import HandoverForm


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "The users and their roles")
    leaving = get_user_for_manager(request.user, pk)
    form = HandoverForm(request.POST or None, leaving=leaving)
    if request.method == "POST" and form.is_valid():
        try:
            handed = services.user_deactivate_handing_over(
                user=leaving, to_user=form.to_user(), by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{leaving.display_name} can no longer log in; {handed.leads} leads and "
                f"{handed.touches} open touches went to {_whom(form, handed)}.",
            )
            return redirect("users:list")
    context = {"leaving": leaving, "form": form, "work": selectors.work_of(leaving)}
    status = 400 if request.method == "POST" else 200
    return render(request, "followups/handover/deactivate.html", context, status=status)


def _whom(form: HandoverForm, handed: services.HandedOver) -> str:
    person = form.to_user()
    return person.display_name if person else f"{handed.people} reps"
