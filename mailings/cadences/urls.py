"""The cadence pages, mounted at /cadences/.

TEMPORARY (branch cad-builder): the helper rebuilding the cadence pages owns
this file; until it lands, it includes the builder's pages and stands in for
the names other templates link to (list, detail, enrol) with the builder.
"""

from django.urls import path
from django.views.generic import RedirectView

from mailings.cadences.builder import urls as builder_urls
from mailings.cadences.builder import views as builder_views

app_name = "cadences"

urlpatterns = [
    *builder_urls.urlpatterns,
    path("", RedirectView.as_view(pattern_name="cadences:create"), name="list"),
    path("enrol/", RedirectView.as_view(pattern_name="cadences:create"), name="enrol"),
    path("<int:pk>/", builder_views.cadence_edit, name="detail"),
]
