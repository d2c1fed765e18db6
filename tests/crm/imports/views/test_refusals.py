"""Uploads and mappings the import pages refuse, each with its reason."""

import pytest
from django.urls import reverse

from crm.models import LeadImport
from tests.crm.imports.views.pages import mapping_post, upload

pytestmark = pytest.mark.django_db


def test_a_file_that_cannot_be_read_is_refused_with_a_message(maria):
    response = upload(maria, content="%PDF-1.7 garbage", name="report.pdf")

    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not LeadImport.objects.exists()


def test_an_oversized_file_is_refused(maria, settings):
    settings.IMPORT_MAX_BYTES = 100

    response = upload(maria)

    assert response.status_code == 400
    assert "larger than" in response.text


def test_an_upload_needs_an_event(maria):
    response = upload(maria, new_event_name="")

    assert response.status_code == 400
    assert "Choose the event" in response.text


def test_a_mapping_without_email_or_phone_is_refused(maria):
    upload(maria)
    lead_import = LeadImport.objects.get()

    response = maria.post(
        reverse("imports:mapping", args=[lead_import.pk]),
        mapping_post(lead_import, column_0="", column_3=""),
    )

    assert response.status_code == 400
    assert "Map at least one column to Email or Phone" in response.text
    lead_import.refresh_from_db()
    assert lead_import.status == "mapping"
