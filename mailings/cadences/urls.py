"""The cadence pages, mounted at /cadences/. The drip pages they replace are gone
and the cadence pages are being rebuilt: until then each name answers 404, so
the links to them still resolve and the rest of the site loads."""

from django.http import Http404
from django.urls import path


def rebuilding(request, *args, **kwargs):
    raise Http404("The cadence pages are being rebuilt")


app_name = "drips"

urlpatterns = [
    path("", rebuilding, name="list"),
    path("new/", rebuilding, name="create"),
    path("enrol/", rebuilding, name="enrol"),
    path("blocks/step/", rebuilding, name="step_block"),
    path("blocks/variant/", rebuilding, name="variant_block"),
    path("<int:pk>/", rebuilding, name="edit"),
    path("<int:pk>/preview/", rebuilding, name="preview"),
    path("<int:pk>/test-send/", rebuilding, name="test_send"),
    path("<int:pk>/report/", rebuilding, name="report"),
    path("<int:pk>/dry-run/", rebuilding, name="dry_run"),
    path("<int:pk>/enrolments/", rebuilding, name="enrolments"),
    path(
        "<int:pk>/enrolments/<int:enrolment_pk>/remove/",
        rebuilding,
        name="enrolment_remove",
    ),
]
