"""Who may use the audience pages."""

import pytest
from django.urls import reverse

from crm.audiences.models import Audience
from tests.crm.audiences.views.pages import COUNT, LIST, NEW, PREVIEW

pytestmark = pytest.mark.django_db


def audience_urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("post", COUNT),
        ("post", PREVIEW),
        ("get", reverse("audiences:detail", args=[pk])),
        ("get", reverse("audiences:edit", args=[pk])),
        ("post", reverse("audiences:edit", args=[pk])),
        ("post", reverse("audiences:refresh", args=[pk])),
        ("post", reverse("audiences:delete", args=[pk])),
    ]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_audiences_are_for_managers_only(client, germans, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for method, url in audience_urls(germans.pk):
        assert getattr(client, method)(url).status_code == 403, url
    assert Audience.objects.filter(pk=germans.pk).exists()


def test_signed_out_people_are_sent_to_log_in(client, germans):
    for method, url in audience_urls(germans.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_managers_see_the_audiences_link_and_reps_do_not(client, maria, rep_alice):
    assert 'href="/audiences/"' in maria.get(reverse("crm:lead_list")).text
    client.force_login(rep_alice)
    assert 'href="/audiences/"' not in client.get(reverse("crm:lead_list")).text
