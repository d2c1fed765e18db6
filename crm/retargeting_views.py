"""Downloading an audience as a retargeting file (managers only)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from crm.audiences.models import Audience
from crm.exports import CSV_CONTENT_TYPE
from crm.retargeting.files import audience_csv
from crm.retargeting.formats import FORMATS
from crm.roles import require_manager


@login_required
@require_GET
def audience_export(request: HttpRequest, pk: int, platform: str) -> StreamingHttpResponse:
    require_manager(request.user, "Retargeting exports")
    audience = get_object_or_404(Audience, pk=pk)
    fmt = FORMATS[platform]
    response = StreamingHttpResponse(audience_csv(audience, fmt), content_type=CSV_CONTENT_TYPE)
    filename = f"audience-{audience.pk}-{fmt.name}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data, hashed or not
    return response
